import { execFile } from 'node:child_process';
import { rabbitmqBinary, rabbitmqNodeEnvironment, writeRabbitmqNodeFiles, type RabbitmqNodeSpec } from '@evermall/testkit';
import { brokerSettings } from '../config/twin-settings.js';
import { BrokerProcess } from './broker-process.js';

export interface BrokerNodeOptions extends RabbitmqNodeSpec {
  /** Its short name (`broker-1`), for people and HAProxy. */
  name: string;
  logFile: string;
  /** It exited without kill() or stop() asking: a crash. */
  onExitUnasked: (how: string) => void;
}

/**
 * One RabbitMQ node of the twin's broker: Debian's rabbitmq-server, as the `rabbitmq` user when
 * the twin is root, everything in its own folder under the state dir (also its $HOME, for the
 * Erlang cookie), which keeps its data across restarts and crashes. Its config and cookie are
 * written afresh at every start.
 */
export class BrokerNode {
  readonly process: BrokerProcess;

  constructor(private readonly options: BrokerNodeOptions) {
    const { dir, owner, logFile, onExitUnasked } = options;
    this.process = new BrokerProcess({
      command: rabbitmqBinary('rabbitmq-server'),
      args: [],
      logFile,
      cwd: dir,
      owner,
      env: () => {
        writeRabbitmqNodeFiles(options);
        return rabbitmqNodeEnvironment(options);
      },
      onExitUnasked,
    });
  }

  get name(): string {
    return this.options.name;
  }

  /** Its Erlang name (`broker-1@localhost`). */
  get nodeName(): string {
    return this.options.nodeName;
  }

  get port(): number {
    return this.options.port;
  }

  get dir(): string {
    return this.options.dir;
  }

  get running(): boolean {
    return this.process.running;
  }

  /**
   * Evaluates an Erlang expression on the node with rabbitmqctl ("rabbitmqctl eval", an operator
   * command), as its owner and with its cookie; resolves with what it printed.
   */
  eval(expression: string): Promise<string> {
    const { owner } = this.options;
    return new Promise((resolve, reject) => {
      execFile(
        rabbitmqBinary('rabbitmqctl'),
        ['-q', '-n', this.options.nodeName, 'eval', expression],
        { env: rabbitmqNodeEnvironment(this.options), cwd: this.options.dir, timeout: brokerSettings.cliTimeoutMs, ...(owner ? { uid: owner.uid, gid: owner.gid } : {}) },
        (err, stdout, stderr) =>
          err ? reject(new Error(`rabbitmqctl eval on ${this.options.nodeName} failed: ${(stderr || stdout || err.message).trim()}`)) : resolve(stdout.trim()),
      );
    });
  }
}
