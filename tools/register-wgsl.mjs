// Registers the ?raw loader (see wgsl-raw-loader.mjs); used as `tsx --import ./tools/register-wgsl.mjs`.
import { register } from 'node:module';

register('./wgsl-raw-loader.mjs', import.meta.url);
