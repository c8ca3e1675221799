/** The knowledge base (知识库): reading the NHSA spreadsheets, versions in DuckDB, and what is in force. */
export { readKnowledgePointFiles, referenceKnowledgePointDir } from './read.ts';
export { importKnowledgeBase, type KbImportResult } from './import.ts';
export { knowledgeBaseStatus, listKbVersions, type KnowledgeBaseStatus, type KbVersionRow } from './status.ts';
export type { KnowledgePoint, KbReadResult, KbReadProblem, KpRuleClass } from './types.ts';
