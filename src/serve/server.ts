/**
 * `vibann serve`: a local web page (127.0.0.1 by default; SPEC §14) to predict compositions across
 * loads with uncertainty, run a design with constraints and watch its progress, and browse the
 * HTML reports of run directories. Plain node:http, one self-contained page, JSON endpoints:
 *   GET  /                     the page
 *   POST /api/predict          { compositions: string[], loads: number[], passes?, seed? } → rows
 *   POST /api/design           the CLI's design options (`designRequest`) → { id }
 *   GET  /api/design/:id       progress, and the design.json document when done
 *   POST /api/design/:id/cancel  cancel a running design
 *   GET  /api/runs             run directories under the runs folder
 *   GET  /runs/:dir/report     that run's HTML report (built on request)
 * All logic is the library's: a design is `runDesignWorkflow` with the CLI's defaults
 * (`DESIGN_DEFAULTS`), and writes the same run directory as `vibann design` under the runs folder.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { basename, join, resolve } from 'node:path';
import type { Composition } from '../chem/composition.ts';
import type { HardnessModel } from '../model/hardness-model.ts';
import type { DesignRunDocument } from '../runs/design.ts';
import { InputError, VibannError } from '../util/errors.ts';
import { CancelledError, runDirName } from '../workflows/common.ts';
import type { DesignWorkflowOptions } from '../workflows/design.ts';
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
  state: 'running' | 'done' | 'failed' | 'cancelled';
  /** The current stage or message. */
  stage: string;
  /** Progress of the current stage (MCMC or refinement steps). */
  step: number;
  steps: number;
  started: string;
  /** The run's design.json document when done. */
  result?: DesignRunDocument;
  error?: string;
  /** The run directory's name under the runs folder. */
  runDir: string;
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

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStrings = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'string');

/**
 * The options of a design request, named as the CLI's (`DesignWorkflowOptions`): load, target
 * ([LO, HI] or 'LO:HI'), ban, allow, bounds ('Nb:10:30,…'), maxElements, minElements, n, seed,
 * quick, refine. Absent fields take the workflow's defaults, as in the CLI.
 */
export async function designRequest(
  body: Record<string, unknown>,
): Promise<Partial<DesignWorkflowOptions>> {
  const { parseTargetWindow } = await import('../workflows/design.ts');
  const { parseBounds } = await import('../design/constraints.ts');
  const o: Partial<DesignWorkflowOptions> = {};
  const bad = (field: string, what: string): never => {
    throw new InputError(`'${field}' must be ${what}, got ${JSON.stringify(body[field])}`);
  };
  for (const k of ['load', 'maxElements', 'minElements', 'n', 'seed'] as const) {
    const v = body[k];
    if (v === undefined) continue;
    if (!isNum(v)) bad(k, 'a number');
    o[k] = v as number;
  }
  for (const k of ['ban', 'allow'] as const) {
    const v = body[k];
    if (v === undefined) continue;
    if (!isStrings(v)) bad(k, 'a list of element symbols');
    if (k === 'ban' || (v as string[]).length > 0) o[k] = v as string[];
  }
  for (const k of ['quick', 'refine'] as const) {
    const v = body[k];
    if (v === undefined) continue;
    if (typeof v !== 'boolean') bad(k, 'true or false');
    o[k] = v as boolean;
  }
  const t = body.target;
  if (typeof t === 'string' && t.trim() !== '') o.target = parseTargetWindow(t);
  else if (Array.isArray(t) && t.length === 2 && t.every(isNum)) o.target = [t[0], t[1]];
  else if (t !== undefined && t !== '') bad('target', "[LO, HI] or 'LO:HI' in HV");
  if (typeof body.bounds === 'string') o.bounds = parseBounds(body.bounds);
  else if (body.bounds !== undefined) bad('bounds', "a string such as 'Nb:10:30,Fe::50'");
  return o;
}

/** The request handler (exported for tests that do not need a socket). */
export function createHandler(
  o: ServeOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  let modelP: Promise<HardnessModel> | undefined;
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
  const jobs = new Map<string, DesignJob>();
  const cancels = new Map<string, () => void>();
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
    const { DESIGN_DEFAULTS, designOptionsFor, runDesignWorkflow } = await import(
      '../workflows/design.ts'
    );
    const options = await designRequest(body);
    // bad constraints are the request's fault (400), found before a job starts
    const { validateConstraints } = await import('../design/constraints.ts');
    const d = { ...DESIGN_DEFAULTS, ...options };
    validateConstraints((await designOptionsFor(d)).constraints, (await model()).elements);
    const id = String(nextJob++);
    const name = `${basename(runDirName('design'))}-${id}`;
    const controller = new AbortController();
    const job: DesignJob = {
      id,
      state: 'running',
      stage: 'starting',
      step: 0,
      steps: 0,
      started: new Date().toISOString(),
      runDir: name,
    };
    jobs.set(id, job);
    cancels.set(id, () => controller.abort());
    log(
      `serve: design job ${id} started (load ${d.load} N, ban ${d.ban.join(',') || 'none'}, seed ${d.seed}${d.quick ? ', quick' : ''})`,
    );
    runDesignWorkflow(
      {
        ...options,
        model: o.modelDir,
        data: o.data,
        out: join(o.runsDir, name),
        argv: ['serve', 'design', JSON.stringify(body)],
      },
      {
        signal: controller.signal,
        onInfo: (m) => {
          job.stage = m;
        },
        onWarn: (m) => log(`serve: design job ${id}: warning: ${m}`),
        onProgress: (e) => {
          job.stage = e.stage;
          job.step = e.done;
          job.steps = e.total;
        },
        onStageEnd: () => {
          job.step = job.steps;
        },
      },
    )
      .then(
        ({ document }) => {
          job.state = 'done';
          job.stage = 'done';
          job.result = document;
          log(`serve: design job ${id} done (${document.summary.accepted} accepted), run ${name}`);
        },
        (e: unknown) => {
          job.state = e instanceof CancelledError ? 'cancelled' : 'failed';
          job.error = e instanceof Error ? e.message : String(e);
          if (!(e instanceof VibannError)) log(`serve: design job ${id} failed: ${job.error}`);
        },
      )
      .finally(() => cancels.delete(id));
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
      const cm = /^\/api\/design\/(\d+)\/cancel$/.exec(path);
      if (req.method === 'POST' && cm) {
        const job = jobs.get(cm[1]);
        if (!job) return send(res, 404, { error: `no design job ${cm[1]}` });
        cancels.get(cm[1])?.();
        return send(res, 202, { id: job.id, state: job.state });
      }
      if (req.method === 'GET' && path === '/api/runs') return send(res, 200, runs());
      const rm = /^\/runs\/([^/]+)\/report$/.exec(path);
      if (req.method === 'GET' && rm) {
        let name: string;
        try {
          name = decodeURIComponent(rm[1]);
        } catch {
          return send(res, 400, {
            error: `bad run name in the URL: '${rm[1]}' is not valid percent-encoding`,
          });
        }
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
