import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The GitHub workflows, parsed as YAML by PyYAML (cfn-lint's own dependency, so it is there
 * wherever these tests run cfn-lint; no YAML parser is a dependency of ours). YAML 1.1 reads the
 * key `on` as true; it is turned back into "on".
 */
const workflowsDir = path.resolve(import.meta.dirname, '../../.github/workflows');
const parser = `
import json, sys, yaml
def keys(node):
    if isinstance(node, dict):
        return {('on' if k is True else str(k)): keys(v) for k, v in node.items()}
    if isinstance(node, list):
        return [keys(v) for v in node]
    return node
print(json.dumps(keys(yaml.safe_load(sys.stdin.read()))))
`;
const yamlAvailable = spawnSync('python3', ['-c', 'import yaml'], { stdio: 'ignore' }).status === 0;
if (!yamlAvailable) console.warn('workflows.test.ts: skipped, python3 with PyYAML (installed with cfn-lint) is not available');

interface Step {
  readonly id?: string;
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
}
interface Job {
  readonly if?: string;
  readonly needs?: string | string[];
  readonly environment?: string;
  readonly steps: Step[];
}
interface Workflow {
  readonly name: string;
  readonly on: Record<string, unknown>;
  readonly env?: Record<string, string>;
  readonly jobs: Record<string, Job>;
}

function parse(file: string): Workflow {
  const run = spawnSync('python3', ['-c', parser], { input: readFileSync(path.join(workflowsDir, file), 'utf8'), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${file} is not valid YAML: ${run.stderr}`);
  return JSON.parse(run.stdout) as Workflow;
}

describe.skipIf(!yamlAvailable)('GitHub workflows', () => {
  const files = readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f));
  const workflows = Object.fromEntries(files.map((f) => [f, parse(f)]));
  const deploy = workflows['deploy.yml']!;
  const deploySteps = deploy.jobs.deploy!.steps;
  const stepIndex = (pattern: RegExp) => deploySteps.findIndex((s) => pattern.test(`${s.name ?? ''} ${s.run ?? ''}`));

  it('pins every action to a full commit SHA, with its tag in a comment', () => {
    const uses = files.flatMap((f) => Object.values(workflows[f]!.jobs).flatMap((job) => job.steps.filter((s) => s.uses).map((s) => `${f}: ${s.uses}`)));
    expect(uses.length).toBeGreaterThan(0);
    expect(uses.filter((u) => !/@[0-9a-f]{40}$/.test(u))).toEqual([]);
    // The tag comment is invisible to a YAML parser: read the lines.
    for (const f of files) {
      for (const line of readFileSync(path.join(workflowsDir, f), 'utf8')
        .split('\n')
        .filter((l) => /^\s*-?\s*uses:/.test(l))) {
        expect(line, `${f}: ${line.trim()}`).toMatch(/@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
      }
    }
  });

  it('deploys only after ci succeeded for a push to main, or on main by hand after checking ci passed', () => {
    expect(Object.keys(deploy.on).sort()).toEqual(['workflow_dispatch', 'workflow_run']);
    expect(deploy.on.workflow_run).toEqual({ workflows: [workflows['ci.yml']!.name], types: ['completed'], branches: ['main'] });
    const gate = deploy.jobs.diff!.if ?? '';
    expect(gate).toContain("github.event.workflow_run.conclusion == 'success'");
    expect(gate).toContain("github.event.workflow_run.event == 'push'");
    expect(gate).toContain("github.ref == 'refs/heads/main'");
    const ciCheck = deploy.jobs.diff!.steps[0]!;
    expect(ciCheck.if).toBe("github.event_name == 'workflow_dispatch'");
    expect(ciCheck.run).toMatch(/actions\/workflows\/ci\.yml\/runs\?head_sha=\$RELEASE_SHA&status=success/);
    expect(deploy.jobs.deploy!.needs).toBe('diff');
    expect(deploy.jobs.deploy!.environment).toBe('production');
  });

  it('migrates once, before the deploy, then smoke-checks the public URL and rolls back when the check fails', () => {
    const migrate = stepIndex(/scripts\/migrate-release\.sh/);
    const cdkDeploy = deploySteps.findIndex((s) => s.name === 'cdk deploy');
    const smoke = deploySteps.findIndex((s) => s.id === 'smoke');
    const rollback = stepIndex(/roll back/);
    expect(migrate).toBeGreaterThan(-1);
    expect(migrate).toBeLessThan(cdkDeploy);
    expect(smoke).toBeGreaterThan(cdkDeploy);
    expect(deploySteps[smoke]!.run).toContain('npx tsx infra/scripts/smoke.ts "$url"');
    expect(rollback).toBeGreaterThan(smoke);
    expect(deploySteps[rollback]!.if).toBe("failure() && steps.smoke.outcome == 'failure'");
    expect(deploySteps[rollback]!.run).toMatch(/git worktree add "\$RUNNER_TEMP\/previous" "\$previous"[\s\S]*npx cdk deploy --all[\s\S]*smoke\.ts[\s\S]*exit 1/);
    // The release is recorded only after the smoke check passed (a failed step skips the rest).
    expect(stepIndex(/put-parameter --name "\/evermall\/\$STACK_PREFIX\/deployed-release"/)).toBeGreaterThan(smoke);
  });

  it('runs a first deploy without deletion protection and turns it on once the smoke check passed', () => {
    const cdkDeploy = deploySteps.find((s) => s.name === 'cdk deploy')!;
    expect(cdkDeploy.run).toContain("-c deletionProtection=${{ steps.mode.outputs.first != 'true' }}");
    expect(cdkDeploy.run).toContain("-c bootMigrates=${{ steps.mode.outputs.first == 'true' || steps.migrate.outputs.boot_migrates == 'true' }}");
    const protect = stepIndex(/deletionProtection=true/);
    expect(protect).toBeGreaterThan(deploySteps.findIndex((s) => s.id === 'smoke'));
    expect(deploySteps[protect]!.if).toBe("steps.mode.outputs.first == 'true'");
  });

  it('builds network and data first on a first deploy and stops before the app while the Toss keys are missing', () => {
    const first = stepIndex(/network and data first/);
    const keys = stepIndex(/Toss Payments keys are in place/);
    const cdkDeploy = deploySteps.findIndex((s) => s.name === 'cdk deploy');
    expect(deploySteps[first]!.if).toBe("steps.mode.outputs.first == 'true'");
    expect(deploySteps[first]!.run).toMatch(/cdk deploy "\$STACK_PREFIX-Network" "\$STACK_PREFIX-Data" .*-c deletionProtection=false/);
    // On every deploy, before the app stack: describe-secret only (the deploy role never reads the keys).
    expect(deploySteps[keys]!.if).toBeUndefined();
    expect(deploySteps[keys]!.run).toContain('aws secretsmanager describe-secret');
    expect(deploySteps[keys]!.run).not.toContain('get-secret-value');
    expect(deploySteps[keys]!.run).toMatch(/exit 1/);
    expect(first).toBeLessThan(keys);
    expect(keys).toBeLessThan(cdkDeploy);
  });

  it('deploys the recovery region with the same cdk deploy --all, when the repository variable turns it on', () => {
    const params = deploy.env?.CDK_PARAMS ?? '';
    expect(params).toContain("-c recovery=${{ vars.EVERMALL_RECOVERY || 'off' }}");
    expect(params).toContain("-c recoveryRegion=${{ vars.EVERMALL_RECOVERY_REGION || 'ap-northeast-3' }}");
    expect(params).toContain('-c recoveryAlbCertificateArn=${{ vars.EVERMALL_RECOVERY_ALB_CERTIFICATE_ARN }}');
    expect(deploySteps.find((s) => s.name === 'cdk deploy')!.run).toMatch(/npx cdk deploy --all .*\$CDK_PARAMS/);
  });

  it('lets Dependabot keep the action pins current', () => {
    const dependabot = readFileSync(path.resolve(workflowsDir, '../dependabot.yml'), 'utf8');
    expect(dependabot).toMatch(/package-ecosystem: github-actions/);
  });
});
