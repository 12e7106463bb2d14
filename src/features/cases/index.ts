export { CaseDesk } from './case-desk.tsx';
export { MyCasePanel } from './my-case-panel.tsx';
