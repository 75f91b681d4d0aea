import { loadFromFlags, type DefinitionFlags } from '../definition-flags.js';
import type { Definitions } from '../definitions.js';
import { ExitCode } from '../exit-codes.js';
import type { Io } from '../io.js';
import { DockwrightError, imageInfo, resolveStage, stageReferences, textToDisplay } from 'dockwright';
import { addDefinitionOptions, Option, type DefineCommand } from '../command-kit.js';

export interface GraphFlags extends DefinitionFlags {
  readonly format?: string;
}

interface Graph {
  /** Images and their stages: one cluster per image. */
  readonly clusters: { id: string; label: string; nodes: { id: string; label: string }[] }[];
  /** Images from outside the definitions (registries). */
  readonly external: { id: string; label: string }[];
  readonly edges: { from: string; to: string; label: string }[];
}

/** `dockwright graph`: images and their stages, and what each builds on, as Mermaid or DOT. */
export async function graphCommand(flags: GraphFlags, io: Io): Promise<ExitCode> {
  const format = flags.format ?? 'mermaid';
  if (format !== 'mermaid' && format !== 'dot') {
    throw new DockwrightError('cli.usage', `--format ${format} is not known: use mermaid or dot.`);
  }
  const definitions = await loadFromFlags(flags, io);
  const graph = buildGraph(definitions);
  io.stdout.write(format === 'mermaid' ? mermaid(graph) : dot(graph));
  return ExitCode.Ok;
}

export function buildGraph(definitions: Definitions): Graph {
  const imageNode = new Map<string, string>(); // image reference -> id of its final stage
  const clusters: Graph['clusters'] = [];
  const files = definitions.images.map((image, i) => ({ image, file: image.image.toIR(), id: `image${i}` }));
  for (const { image, file, id } of files) {
    const reference = imageInfo(image.image).reference;
    if (reference !== undefined) imageNode.set(reference, `${id}_${file.stages.length - 1}`);
    const label = reference ?? image.name; // several images may share a name; their tags tell them apart
    clusters.push({
      id,
      label,
      nodes: file.stages.map((stage, s) => ({
        id: `${id}_${s}`,
        label: s === file.stages.length - 1 ? label : (stage.from.name ?? `stage ${s}`),
      })),
    });
  }
  const external = new Map<string, string>();
  const edges: Graph['edges'] = [];
  const source = (image: string): string => {
    const internal = imageNode.get(image);
    if (internal !== undefined) return internal;
    if (!external.has(image)) external.set(image, `external${external.size}`);
    return external.get(image)!;
  };
  for (const { file, id } of files) {
    const references = stageReferences(file);
    file.stages.forEach((stage, s) => {
      const image = textToDisplay(stage.from.image);
      if (!references.some((r) => r.from === s && r.via === 'FROM')) edges.push({ from: source(image), to: `${id}_${s}`, label: 'FROM' });
    });
    for (const ref of references) {
      const target = resolveStage(file.stages, ref.to);
      const from = target === undefined ? source(ref.to) : `${id}_${target}`;
      edges.push({ from, to: `${id}_${ref.from}`, label: ref.via });
    }
  }
  return { clusters, external: [...external].map(([label, id]) => ({ id, label })), edges };
}

function mermaid(graph: Graph): string {
  const q = (label: string): string => `"${label.replaceAll('"', '#quot;')}"`;
  const lines = ['flowchart LR'];
  for (const cluster of graph.clusters) {
    lines.push(`  subgraph ${cluster.id}[${q(cluster.label)}]`);
    for (const node of cluster.nodes) lines.push(`    ${node.id}[${q(node.label)}]`);
    lines.push('  end');
  }
  for (const node of graph.external) lines.push(`  ${node.id}([${q(node.label)}])`);
  for (const edge of graph.edges) lines.push(`  ${edge.from} -->|${q(edge.label)}| ${edge.to}`);
  return lines.join('\n') + '\n';
}

function dot(graph: Graph): string {
  const q = (label: string): string => JSON.stringify(label);
  const lines = ['digraph dockwright {', '  rankdir=LR;', '  node [shape=box];'];
  for (const cluster of graph.clusters) {
    lines.push(`  subgraph cluster_${cluster.id} {`, `    label=${q(cluster.label)};`);
    for (const node of cluster.nodes) lines.push(`    ${node.id} [label=${q(node.label)}];`);
    lines.push('  }');
  }
  for (const node of graph.external) lines.push(`  ${node.id} [label=${q(node.label)}, style=dashed];`);
  for (const edge of graph.edges) lines.push(`  ${edge.from} -> ${edge.to} [label=${q(edge.label)}];`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** Declares `dockwright graph`: its arguments, options and help, and its action. */
export const define: DefineCommand = (command, { io, setExitCode }) => {
  addDefinitionOptions(command)
    .addOption(new Option('--format <format>', 'output format').choices(['mermaid', 'dot']).default('mermaid'))
    .addHelpText('after', '\nExamples:\n  $ dockwright graph > graph.mmd\n  $ dockwright graph --format dot | dot -Tsvg > graph.svg')
    .action(async (flags: GraphFlags) => setExitCode(await graphCommand(flags, io)));
};
