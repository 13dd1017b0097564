import type { NetworkSettings } from '../transport/api/settings.ts';
import type { PipelineStage } from '../transport/stages/pipeline-stage.ts';
import {
  FragmentationPipelineStage, NullPipelineStage, ReliableSequencedPipelineStage, SimulatorPipelineStage,
  UnreliableSequencedPipelineStage,
} from '../transport/stages/index.ts';
import { UsageError } from './args.ts';

/** Stage names accepted in `--pipelines`, in the order `--help` lists them. */
export const STAGE_NAMES: Readonly<Record<string, PipelineStage<any>>> = {
  reliable: ReliableSequencedPipelineStage,
  unreliable: UnreliableSequencedPipelineStage,
  fragmentation: FragmentationPipelineStage,
  simulator: SimulatorPipelineStage,
  null: NullPipelineStage,
};

/** The pipelines of the spec's test vectors (§9), created in this order by `echo` and `ping`. */
export const DEFAULT_PIPELINES = 'reliable,unreliable,fragmentation+reliable';

/** One pipeline of a `--pipelines` list: its id (creation order, from 1), canonical text and stages. */
export interface PipelineSpec {
  id: number;
  text: string;
  stages: PipelineStage<any>[];
}

/**
 * Parses `reliable,unreliable,fragmentation+reliable`: `,` separates pipelines (ids 1, 2, 3… in list order,
 * spec §4.1) and `+` chains stages within one pipeline in list order (the last stage's header is outermost,
 * §4.2). Both peers must use the same list.
 */
export function parsePipelines(list: string): PipelineSpec[] {
  const trimmed = list.trim();
  if (trimmed === '' || trimmed === 'none') return [];
  return trimmed.split(',').map((part, i) => {
    const names = part.split('+').map((s) => s.trim().toLowerCase());
    const stages = names.map((name) => {
      const stage = STAGE_NAMES[name === 'frag' || name === 'fragmented' ? 'fragmentation' : name];
      if (!stage) {
        throw new UsageError(`unknown stage '${name}' in --pipelines '${list}' (stages: ${Object.keys(STAGE_NAMES).join(', ')})`);
      }
      return stage;
    });
    return { id: i + 1, text: names.map((n) => (n === 'frag' || n === 'fragmented' ? 'fragmentation' : n)).join('+'), stages };
  });
}

/** Creates the pipelines on `driver` (a `NetworkDriver` or `MultiNetworkDriver`) in list order; ids 1..n. */
export function createPipelines(
  driver: { createPipeline(...stages: PipelineStage<any>[]): { id: number } }, specs: readonly PipelineSpec[],
): void {
  for (const spec of specs) {
    try {
      const p = driver.createPipeline(...spec.stages);
      if (p.id !== spec.id) throw new Error(`pipeline '${spec.text}' got id ${p.id}, expected ${spec.id}`);
    } catch (err) {
      throw new UsageError(`cannot create pipeline ${spec.id} '${spec.text}': ${(err as Error).message}`);
    }
  }
}

/** `1=reliable 2=unreliable 3=fragmentation+reliable` for logs. */
export function describePipelines(specs: readonly PipelineSpec[]): string {
  return specs.length ? specs.map((s) => `${s.id}=${s.text}`).join(' ') : '(none: pipeline 0 only)';
}

/**
 * Resolves `ping --pipeline NAME` to an id: a number (0 = no stages), `fragmented` (the first pipeline that
 * contains fragmentation), or the text of one pipeline of the list (`reliable`, `simulator+reliable`…).
 */
export function resolvePipeline(name: string, specs: readonly PipelineSpec[]): number {
  const n = name.trim().toLowerCase();
  if (/^\d+$/.test(n)) {
    const id = Number(n);
    if (id > specs.length) throw new UsageError(`--pipeline ${id} does not exist: pipelines are 0 and ${describePipelines(specs)}`);
    return id;
  }
  const found = n === 'fragmented' || n === 'frag'
    ? specs.find((s) => s.stages.includes(FragmentationPipelineStage))
    : specs.find((s) => s.text === n);
  if (!found) throw new UsageError(`no pipeline '${name}': pipelines are 0 and ${describePipelines(specs)}`);
  return found.id;
}

/**
 * `--simulator delay=50,jitter=10,drop=5,duplicate=1,reorder=2,seed=7`: parameters of the simulator stage
 * (spec §5.5); only meaningful when a pipeline contains `simulator`. Applies to `settings`.
 */
export function applySimulatorOption(settings: NetworkSettings, text: string): void {
  const keys: Record<string, string> = {
    delay: 'packetDelayMs', jitter: 'packetJitterMs', drop: 'packetDropPercentage', 'drop-interval': 'packetDropInterval',
    duplicate: 'packetDuplicationPercentage', reorder: 'reorderPercentage', fuzz: 'fuzzFactor', seed: 'randomSeed',
    mode: 'mode',
  };
  const p: Record<string, number> = {};
  for (const pair of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z-]+)=(\d+(?:\.\d+)?)$/.exec(pair);
    const key = m && keys[m[1]];
    if (!m || !key) throw new UsageError(`--simulator expects KEY=NUMBER pairs (${Object.keys(keys).join(', ')}), got '${pair}'`);
    p[key] = Number(m[2]);
  }
  try {
    settings.withSimulatorStageParameters(p);
  } catch (err) {
    throw new UsageError(`--simulator: ${(err as Error).message}`);
  }
}
