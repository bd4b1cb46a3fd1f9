#!/usr/bin/env node
// Kiln demo. Until the runtime and builder land, it shows what Kiln detected on this machine.
import { cpuFeatures, maxIsa, version } from '@kiln/core-native';

const features = cpuFeatures();
const enabled = Object.entries(features)
  .filter(([, on]) => on === true)
  .map(([name]) => name);
console.log(`Kiln ${version()}`);
console.log(`CPU features: ${enabled.join(' ') || '(baseline x86-64 only)'}`);
console.log(`Highest instruction set Kiln may dispatch to on this CPU: ${maxIsa()}`);
