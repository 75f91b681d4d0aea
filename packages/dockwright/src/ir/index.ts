export * from './nodes/index.js';
export * from './location.js';
export * from './text.js';
export * from './stage-graph.js';
