#!/usr/bin/env node
// Launcher: shosho runs its TypeScript sources through tsx, so there is no build step to forget.
import { register } from 'tsx/esm/api';
register();
await import('../src/cli/main.ts');
