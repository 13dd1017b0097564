// Every test must make at least one assertion: a case that only runs code (or only waits through a helper
// that throws on a timeout) fails here, so no test can pass without checking what it ran.
import { beforeEach, expect } from 'vitest';

beforeEach(() => { expect.hasAssertions(); });
