// Types of node-lines.mjs (plain JavaScript so that .ci/run can read it before anything is installed).
export declare const NODE_LINES: Record<string, string>;
export declare const PRIMARY_LINE: number;
