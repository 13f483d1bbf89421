#!/usr/bin/env node
// faceflow's single entry point. The sources are TypeScript run through tsx's loader
// (a runtime dependency), so `npx faceflow` works right after `npm install` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
