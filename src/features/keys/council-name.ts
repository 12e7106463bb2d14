import type { CouncilDescriptor } from '../../core/index.ts';

/** A council's name as shown: the descriptor's name, which may be empty. */
export const councilName = (council: Pick<CouncilDescriptor, 'name'>) => (council.name === '' ? 'Unnamed council' : council.name);
