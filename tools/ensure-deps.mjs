#!/usr/bin/env node
// Makes `npm start` / `npm test` work on a fresh clone: installs npm dependencies when
// node_modules is missing or does not match package-lock.json, and with `--browser` the Debian
// packages WebGPU needs here (Chromium for e2e; its SwiftShader Vulkan ICD plus the Vulkan loader
// for Dawn in Node). Plain Node, no dependencies: it runs before any are installed.
// Silent when everything is already in place.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const wantSystem = process.argv.includes('--browser');

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const DEFAULT_CHROMIUM = '/usr/bin/chromium';

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

function log(message) {
  console.error(`[ensure-deps] ${message}`);
}

/** Runs a command with no stdin (CI has none, and nothing here should prompt). */
function run(command, args, env = process.env) {
  log(`running: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    log(`${command} ${args.join(' ')} failed with exit code ${result.status}`);
    process.exit(result.status ?? 1);
  }
}

function sameSpecs(a = {}, b = {}) {
  const keysA = Object.keys(a).sort();
  const keysB = Object.keys(b).sort();
  return keysA.length === keysB.length && keysA.every((key, i) => key === keysB[i] && a[key] === b[key]);
}

/** Why npm dependencies need installing, or null when node_modules matches. */
function npmProblem(pkg, lock) {
  const modules = join(root, 'node_modules');
  if (!existsSync(modules)) return 'node_modules is missing';
  if (!lock) {
    const names = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
    const missing = names.find((name) => !existsSync(join(modules, name, 'package.json')));
    return missing ? `${missing} is not installed` : null;
  }
  const lockRoot = lock.packages?.[''] ?? {};
  for (const field of ['dependencies', 'devDependencies', 'optionalDependencies']) {
    if (!sameSpecs(pkg[field], lockRoot[field])) return `package-lock.json is out of sync with package.json (${field})`;
  }
  // npm's own record of what is installed; compared entry by entry with the lock.
  const hiddenPath = join(modules, '.package-lock.json');
  if (!existsSync(hiddenPath)) return 'node_modules was not installed by npm from this lock';
  const installed = readJson(hiddenPath).packages ?? {};
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (!path.startsWith('node_modules/') || entry.link) continue;
    const have = installed[path];
    // Optional packages for other platforms are legitimately absent.
    if (!have && entry.optional) continue;
    if (!have || have.version !== entry.version) return `${path} is not ${entry.version}`;
    if (!existsSync(join(root, path, 'package.json'))) return `${path} is missing on disk`;
  }
  return null;
}

function ensureNpmDeps() {
  const pkg = readJson(join(root, 'package.json'));
  const lockPath = join(root, 'package-lock.json');
  const lock = existsSync(lockPath) ? readJson(lockPath) : null;
  const problem = npmProblem(pkg, lock);
  if (!problem) return;
  log(problem);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const outOfSync = problem.startsWith('package-lock.json is out of sync');
  // `npm ci` refuses an out-of-sync lock; locally repair it, on CI let that error stand.
  const useCi = lock && (!outOfSync || process.env.CI);
  run(npm, [useCi ? 'ci' : 'install', '--no-audit', '--no-fund']);
}

function hasVulkanLoader() {
  const dirs = ['/usr/lib', '/lib', '/usr/lib64', '/lib64'];
  for (const base of ['/usr/lib', '/lib']) {
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base)) if (name.endsWith('-linux-gnu')) dirs.push(join(base, name));
  }
  return dirs.some((dir) => existsSync(join(dir, 'libvulkan.so.1')));
}

function missingDebianPackages() {
  const chromium = process.env.CHROMIUM_PATH || DEFAULT_CHROMIUM;
  const packages = new Set();
  if (!existsSync(chromium)) {
    if (process.env.CHROMIUM_PATH) {
      log(`CHROMIUM_PATH=${chromium} does not exist`);
      process.exit(1);
    }
    packages.add('chromium');
  }
  // Node-side Dawn loads Chromium's SwiftShader through the Vulkan loader.
  if (!existsSync(SWIFTSHADER_ICD)) packages.add('chromium');
  if (!hasVulkanLoader()) packages.add('libvulkan1');
  return [...packages];
}

function ensureSystemDeps() {
  // macOS and Windows use their own GPU backends and browsers; nothing to install.
  if (process.platform !== 'linux') return;
  const packages = missingDebianPackages();
  if (packages.length === 0) return;
  const command = `apt-get update && apt-get install -y ${packages.join(' ')}`;
  const isRoot = process.getuid?.() === 0;
  const hasApt = existsSync('/usr/bin/apt-get');
  if (!isRoot || !hasApt) {
    log(`missing system packages: ${packages.join(', ')}`);
    log(
      hasApt
        ? `install them as root: sudo sh -c '${command}'`
        : 'install Chromium (with SwiftShader) and the Vulkan loader libvulkan.so.1, or set CHROMIUM_PATH',
    );
    process.exit(1);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], env);
  run('apt-get', ['install', '-y', ...packages], env);
  const still = missingDebianPackages();
  if (still.length > 0) {
    log(`still missing after apt-get install: ${still.join(', ')}`);
    process.exit(1);
  }
}

ensureNpmDeps();
if (wantSystem) ensureSystemDeps();
