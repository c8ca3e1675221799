#!/usr/bin/env node
// Runs the TypeScript sources through tsx's loader, so `npx fundwatch` works right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('./main.ts');
await runCli();
