import { Ajv } from 'ajv';

/** One validator for every JSON schema a suite names (answers, custom tool arguments); compiled schemas are cached. */
export const ajv = new Ajv({ allErrors: true, strict: false });
