import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import postgres from 'postgres';
import { PostgresServer } from '@evermall/testkit';
import { migrate } from '../db/migrate.js';
import { connect } from '../db/pools.js';

/** Starts one throwaway PostgreSQL for the whole run and a migrated template database. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await PostgresServer.start();
  const admin = postgres(server.url(), { max: 1, onnotice: () => undefined });
  await admin.unsafe('CREATE DATABASE evermall_template');
  const template = connect(server.url('evermall_template'), { max: 1, applicationName: 'evermall-test' });
  await migrate(template);
  await template.end();
  await admin.end();
  project.provide('pgAdminUrl', server.url());
  project.provide('pgTemplate', 'evermall_template');
  return async () => {
    await server.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplate: string;
  }
}
