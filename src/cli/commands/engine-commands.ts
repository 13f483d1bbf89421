import type { Command } from 'commander';
import { registerCompare } from './compare-command.ts';
import { registerDetect } from './detect-command.ts';
import { registerEval } from './eval-command.ts';
import { registerEvalDetect } from './eval-detect-command.ts';
import { registerEvalIdentify } from './eval-identify-command.ts';
import { registerIdentify } from './identify-command.ts';

export function registerEngineCommands(program: Command): void {
  registerIdentify(program);
  registerDetect(program);
  registerCompare(program);
  registerEval(program);
  registerEvalDetect(program);
  registerEvalIdentify(program);
}
