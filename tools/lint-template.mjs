#!/usr/bin/env node
// `pnpm lint:template` (part of `pnpm lint`): AWS's cfn-lint on the reference SAM template. cfn-lint
// is a Python tool (PyPI `cfn-lint`, github.com/aws-cloudformation/cfn-lint): it runs the SAM
// transform (aws-sam-translator) and checks every resource against CloudFormation's current
// schemas, so it knows SQS event sources' ScalingConfig and FunctionResponseTypes. It cannot be a
// devDependency: the npm package named `cfn-lint` (1.9.7) is another tool, with a 2019 resource
// specification, that reports 77 critical errors on this valid template (FunctionResponseTypes,
// ScalingConfig, Architectures, SqsManagedSseEnabled "not a valid property"). This project's
// machine image ships cfn-lint (pip, 1.51.0); elsewhere `pip install cfn-lint`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// The reference template, or the templates named on the command line.
const TEMPLATES = process.argv.length > 2 ? process.argv.slice(2) : ['examples/lambda/template.yaml'];

// On PATH, else where pip puts it (pyenv's shims are on PATH only in shells that ran ~/.bashrc).
const onPath = spawnSync('cfn-lint', ['--version'], { stdio: 'ignore' }).status === 0;
const cfnLint = onPath
  ? 'cfn-lint'
  : ([
      join(process.env.PYENV_ROOT ?? join(homedir(), '.pyenv'), 'shims', 'cfn-lint'),
      join(homedir(), '.local', 'bin', 'cfn-lint'),
    ].find((path) => existsSync(path)) ?? 'cfn-lint');

const version = spawnSync(cfnLint, ['--version'], { cwd: root, encoding: 'utf8' });
if (version.error || version.status !== 0) {
  console.error(
    `lint:template: cfn-lint did not run (${version.error?.code ?? `exit ${version.status}`}). It is AWS's ` +
      'CloudFormation linter, a Python tool: `pip install cfn-lint` (the npm package of that name is ' +
      'another, outdated tool, no substitute).',
  );
  process.exit(1);
}
// Exit status: 0 clean; else a bit mask of 2 errors, 4 warnings, 8 informational. All of them fail:
// the template is clean, and stays so.
const lint = spawnSync(cfnLint, ['--', ...TEMPLATES], { cwd: root, stdio: 'inherit' });
if (lint.status !== 0) {
  console.error(
    `lint:template: ${version.stdout.trim()} found problems (exit ${lint.status ?? lint.signal})`,
  );
  process.exit(1);
}
console.log(`lint:template: ${version.stdout.trim()}: ${TEMPLATES.join(', ')} clean`);
