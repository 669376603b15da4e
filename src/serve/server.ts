/**
 * `vibann serve`: a local web page (127.0.0.1 by default; SPEC §14) to predict compositions across
 * loads with uncertainty, run a design with constraints and watch its progress, and browse the
 * HTML reports of run directories. Plain node:http, one self-contained page, JSON endpoints:
 *   GET  /                     the page
 *   POST /api/predict          { compositions: string[], loads: number[], passes?, seed? } → rows
 *   POST /api/design           { load?, ban?, maxElements?, n?, seed?, quick? } → { id }
 *   GET  /api/design/:id       progress, and the result when done
 *   GET  /api/runs             run directories under the runs folder
 *   GET  /runs/:dir/report     that run's HTML report (built on request)
 * All logic is the library's: the same functions the CLI calls.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import type { Composition } from '../chem/composition.ts';
import type { Dataset } from '../data/dataset.ts';
import type { HardnessModel } from '../model/hardness-model.ts';
import { InputError, VibannError } from '../util/errors.ts';
import { PAGE } from './page.ts';

export interface ServeOptions {
  /** Model directory used for predictions and designs. */
  modelDir: string;
  /** Folder whose subfolders are run directories (default 'runs'). */
  runsDir: string;
  /** Dataset file (default: the usual resolution order). */
  data?: string;
  /** Log line sink (default: stderr). */
  log?: (line: string) => void;
}

interface DesignJob {
  id: string;
  state: 'running' | 'done' | 'failed';
  stage: string;
  step: number;
  steps: number;
  started: string;
  result?: unknown;
  error?: string;
  runDir?: string;
}

const MAX_BODY = 1 << 20;

function send(
  res: ServerResponse,
  status: number,
  body: string | object,
  type = 'application/json',
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new InputError('request body too large');
    chunks.push(c as Buffer);
  }
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new InputError(`request body: expected a JSON object (${(e as Error).message})`);
  }
}

function numberList(v: unknown, name: string, fallback: number[]): number[] {
  if (v === undefined) return fallback;
  if (
    !Array.isArray(v) ||
    v.length === 0 ||
    !v.every((x) => typeof x === 'number' && Number.isFinite(x) && x > 0)
  ) {
    throw new InputError(`'${name}' must be a non-empty list of positive numbers`);
  }
  return v as number[];
}

/** The request handler (exported for tests that do not need a socket). */
export function createHandler(
  o: ServeOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  let modelP: Promise<HardnessModel> | undefined;
  let dataP: Promise<Dataset> | undefined;
  const model = () => {
    modelP ??= (async () => {
      const { openModel } = await import('../workflows/common.ts');
      return openModel(o.modelDir);
    })();
    modelP.catch(() => {
      modelP = undefined;
    });
    return modelP;
  };
  const dataset = () => {
    dataP ??= (async () => {
      const d = await import('../data/index.ts');
      return d.loadDataset(d.resolveDatasetPath({ data: o.data }).path);
    })();
    return dataP;
  };
  const jobs = new Map<string, DesignJob>();
  let nextJob = 1;

  const predict = async (body: Record<string, unknown>) => {
    const { Composition } = await import('../chem/index.ts');
    const formulas = body.compositions;
    if (
      !Array.isArray(formulas) ||
      formulas.length === 0 ||
      !formulas.every((f) => typeof f === 'string')
    ) {
      throw new InputError(
        '\'compositions\' must be a non-empty list of formulas such as "B68Nb24Fe4W4"',
      );
    }
    const loads = numberList(body.loads, 'loads', [0.5]);
    const comps: Composition[] = (formulas as string[]).map((f) => Composition.parse(f));
    const m = await model();
    const cs = comps.flatMap((c) => loads.map(() => c));
    const ls = comps.flatMap(() => loads);
    const p = m.predictWithUncertainty(
      { compositions: cs, loads: ls },
      {
        passes: typeof body.passes === 'number' ? body.passes : undefined,
        seed: typeof body.seed === 'number' ? body.seed : 1,
      },
    );
    return cs.map((c, i) => ({
      composition: c.toFormula({ step: 0.1 }),
      fractions: c.toFractions(),
      load: ls[i],
      mean: p.mean[i],
      std: p.std[i],
      lcb: p.lcb[i],
    }));
  };

  const startDesign = async (body: Record<string, unknown>): Promise<DesignJob> => {
    const m = await model();
    const ds = await dataset();
    const { splitForModel } = await import('../workflows/common.ts');
    const split = await splitForModel(m, ds);
    const { DEFAULT_CONSTRAINTS, validateConstraints } = await import('../design/constraints.ts');
    const ban = Array.isArray(body.ban) ? (body.ban as unknown[]).map(String) : [];
    const constraints = {
      ...DEFAULT_CONSTRAINTS,
      ban,
      maxElements:
        typeof body.maxElements === 'number' ? body.maxElements : DEFAULT_CONSTRAINTS.maxElements,
    };
    validateConstraints(constraints, m.elements);
    const load = typeof body.load === 'number' && body.load > 0 ? body.load : 0.5;
    const { designData } = await import('../design/data.ts');
    const { DEFAULT_DESIGN_OPTIONS, runDesign } = await import('../design/pipeline.ts');
    const { makeRefiner } = await import('../design/refine.ts');
    const { Rng } = await import('../util/rng.ts');
    const quick = body.quick === true;
    const options = {
      ...DEFAULT_DESIGN_OPTIONS,
      load,
      constraints,
      n: typeof body.n === 'number' ? body.n : 5,
      ...(quick
        ? {
            mcmc: { ...DEFAULT_DESIGN_OPTIONS.mcmc, chains: 8, steps: 80, burnIn: 20 },
            calibrationPasses: 30,
            gmm: { kMin: 1, kMax: 2, nInit: 2 },
          }
        : {}),
    };
    const job: DesignJob = {
      id: String(nextJob++),
      state: 'running',
      stage: 'starting',
      step: 0,
      steps: options.mcmc.steps,
      started: new Date().toISOString(),
    };
    jobs.set(job.id, job);
    log(`serve: design job ${job.id} started (load ${load} N, ban ${ban.join(',') || 'none'})`);
    runDesign(
      m,
      designData(ds, split, m.elements),
      options,
      new Rng(typeof body.seed === 'number' ? body.seed : 1),
      {
        onStage: (s) => {
          job.stage = s;
        },
        onMcmcStep: (t) => {
          job.step = t + 1;
        },
        refine: quick ? undefined : makeRefiner(m),
      },
    ).then(
      (r) => {
        job.state = 'done';
        job.stage = 'done';
        job.result = {
          thresholds: r.thresholds,
          candidates: r.candidates,
          rejected: r.rejected,
          screened: r.screened,
          accepted: r.accepted,
          timings: r.timings,
        };
        log(`serve: design job ${job.id} done (${r.accepted} accepted)`);
      },
      (e: unknown) => {
        job.state = 'failed';
        job.error = e instanceof Error ? e.message : String(e);
      },
    );
    return job;
  };

  const runs = () => {
    if (!existsSync(o.runsDir)) return [];
    return readdirSync(o.runsDir)
      .filter((d) => existsSync(join(o.runsDir, d, 'manifest.json')))
      .map((d) => ({ name: d, modified: statSync(join(o.runsDir, d)).mtime.toISOString() }))
      .sort((a, b) => (a.modified < b.modified ? 1 : -1));
  };

  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const fail = (e: unknown) => {
      const status = e instanceof InputError ? 400 : 500;
      if (!(e instanceof VibannError))
        log(`serve: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      send(res, status, { error: e instanceof Error ? e.message : String(e) });
    };
    (async () => {
      if (req.method === 'GET' && path === '/') return send(res, 200, PAGE, 'text/html');
      if (req.method === 'POST' && path === '/api/predict')
        return send(res, 200, await predict(await readJson(req)));
      if (req.method === 'POST' && path === '/api/design') {
        const job = await startDesign(await readJson(req));
        return send(res, 202, { id: job.id });
      }
      const jm = /^\/api\/design\/(\d+)$/.exec(path);
      if (req.method === 'GET' && jm) {
        const job = jobs.get(jm[1]);
        return job ? send(res, 200, job) : send(res, 404, { error: `no design job ${jm[1]}` });
      }
      if (req.method === 'GET' && path === '/api/runs') return send(res, 200, runs());
      const rm = /^\/runs\/([^/]+)\/report$/.exec(path);
      if (req.method === 'GET' && rm) {
        const name = decodeURIComponent(rm[1]);
        const dir = resolve(o.runsDir, name);
        if (!runs().some((r) => r.name === name))
          return send(res, 404, { error: `no run directory '${name}'` });
        const { buildReport } = await import('../report/html.ts');
        return send(res, 200, await buildReport(dir), 'text/html');
      }
      send(res, 404, { error: `not found: ${req.method} ${path}` });
    })().catch(fail);
  };
}

/** Start listening; resolves with the server and its URL. */
export async function serve(
  o: ServeOptions & { host?: string; port?: number },
): Promise<{ server: Server; url: string }> {
  const server = createServer(createHandler(o));
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((ok, ko) => {
    server.once('error', ko);
    server.listen(o.port ?? 8765, host, () => ok());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  return { server, url: `http://${host}:${port}/` };
}
