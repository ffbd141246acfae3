#!/usr/bin/env -S node --max-semi-space-size=64
// The `shosho` command (bin/shosho.js runs the sources). An import that fails still ends the
// process, as an unhandled rejection.
void import('./shosho.js');
