#!/usr/bin/env node
// The `shop` command. The package ships TypeScript sources, so load them through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
