import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

// Vitest runs without globals, so Testing Library cannot register its own
// cleanup; unmount what each test rendered here.
afterEach(() => {
  cleanup();
});
