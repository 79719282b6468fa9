// The one build: every bundle of the project (extension, monitor worker, agent, CLI, dashboard
// webview, tests, benchmarks) comes from this script.
//   node scripts/build.mjs [--watch] [--production]
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, rmSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** All files under dir whose name matches the pattern, as paths relative to the repo root. */
function filesUnder(dir, pattern) {
  const found = [];
  const abs = join(root, dir);
  let names;
  try {
    names = readdirSync(abs);
  } catch {
    return found;
  }
  for (const name of names) {
    const path = join(abs, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'fixtures') found.push(...filesUnder(join(dir, name), pattern));
    } else if (pattern.test(name)) {
      found.push(join(dir, name));
    }
  }
  return found;
}

const common = {
  absWorkingDir: root,
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  legalComments: production ? 'none' : 'inline',
};

const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const nodeCommon = {
  ...common,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  define: { PROCESS_VITALS_VERSION: JSON.stringify(version) },
};

/** Fails the build when the agent bundle pulls in anything but its own sources. */
const agentHasNoDependencies = {
  name: 'agent-has-no-dependencies',
  setup(build) {
    build.onEnd((result) => {
      const inputs = Object.keys(result.metafile?.inputs ?? {});
      const foreign = inputs.filter((p) => !p.split('/').join(sep).startsWith(join('src', 'agent') + sep));
      if (foreign.length) {
        result.errors.push({ text: `the agent must have no dependencies, but it bundles: ${foreign.join(', ')}` });
      }
    });
  },
};

/** Copies @vscode/v8-heap-parser's WebAssembly beside dist/diagnosisWorker.js (the bundled loader reads it from its own folder). */
const copyHeapParserWasm = {
  name: 'copy-heap-parser-wasm',
  setup(build) {
    build.onEnd((result) => {
      if (result.errors.length) return;
      const wasm = join(root, 'node_modules/@vscode/v8-heap-parser/pkg/nodejs/v8_heap_parser_bg.wasm');
      mkdirSync(join(root, 'dist'), { recursive: true });
      copyFileSync(wasm, join(root, 'dist/v8_heap_parser_bg.wasm'));
    });
  },
};

const builds = [
  {
    ...nodeCommon,
    entryPoints: { extension: 'src/extension/extension.ts', monitorWorker: 'src/monitor/monitorWorker.ts' },
    outdir: 'dist',
    external: ['vscode'],
  },
  {
    ...nodeCommon,
    // Diagnose Leaks' analysis worker; @vscode/v8-heap-parser reads its .wasm from beside the bundle.
    entryPoints: { diagnosisWorker: 'src/monitor/diagnosis/diagnosisWorker.ts' },
    outdir: 'dist',
    plugins: [copyHeapParserWasm],
  },
  {
    ...nodeCommon,
    // agent.js is the tiny loader every Node process compiles; agentCore.js is required only by processes that live long enough to connect.
    entryPoints: { agent: 'src/agent/agent.ts', agentCore: 'src/agent/agentCore.ts' },
    outdir: 'dist',
    metafile: true,
    plugins: [agentHasNoDependencies],
  },
  {
    ...nodeCommon,
    entryPoints: { cli: 'src/cli/main.ts' },
    outdir: 'dist',
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    ...common,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    entryPoints: { 'webview/dashboard': 'src/webview/dashboard.ts' },
    outdir: 'dist',
    loader: { '.ttf': 'file' },
  },
  {
    // The dashboard's stylesheets, loaded from files (its CSP allows no inline styles). The codicon
    // stylesheet stays separate: @vscode-elements clones it by id into each icon's shadow root.
    ...common,
    entryPoints: { 'webview/dashboard': 'src/webview/dashboard.css', 'webview/codicon': 'node_modules/@vscode/codicons/dist/codicon.css' },
    outdir: 'dist',
    loader: { '.ttf': 'file' },
    assetNames: 'webview/[name]',
  },
];

if (!production) {
  // Tests and benchmarks keep their node_modules imports external: they run from inside the repo.
  const testEntries = [
    ...filesUnder('test', /\.ts$/),
    ...filesUnder('bench', /\.ts$/),
  ];
  if (testEntries.length) {
    builds.push({
      ...nodeCommon,
      entryPoints: testEntries,
      outbase: '.',
      outdir: 'out',
      packages: 'external',
      external: ['vscode'],
    });
  }
}

if (!watch) {
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  if (!production) rmSync(join(root, 'out'), { recursive: true, force: true });
}

const contexts = await Promise.all(builds.map((options) => esbuild.context(options)));
if (watch) {
  await Promise.all(contexts.map((ctx) => ctx.watch()));
  console.log(`[build] watching ${builds.length} bundles`);
} else {
  let failed = false;
  for (const ctx of contexts) {
    try {
      await ctx.rebuild();
    } catch (error) {
      failed = true;
      console.error(error.message ?? error);
    } finally {
      await ctx.dispose();
    }
  }
  if (failed) process.exit(1);
  console.log(`[build] ${builds.length} bundle groups${production ? ' (production)' : ''} in ${relative(process.cwd(), root) || '.'}`);
}
