#!/usr/bin/env -S node --max-semi-space-size=8
// Node 24 runs the TypeScript sources directly (type stripping); there is no build step.
import '../src/cli/main.ts';
