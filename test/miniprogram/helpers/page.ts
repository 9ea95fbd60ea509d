/** Renders the analytics page with miniprogram-simulate (jsdom), as the Mini Program shows it. */
import path from 'path';

/** The part of miniprogram-simulate the tests use (its own typings pull in the Mini Program's globals, which clash with Node's). */
export interface SimulatedNode {
  dom: HTMLElement | undefined;
  querySelector(selector: string): SimulatedNode | undefined;
  querySelectorAll(selector: string): SimulatedNode[];
  dispatchEvent(eventName: string, options?: { detail?: unknown }): void;
}
export interface SimulatedComponent extends SimulatedNode {
  dom: HTMLElement;
  instance: { data: Record<string, any> } & Record<string, any>;
  attach(parent: Element): void;
  detach(): void;
}
interface Simulate {
  load(componentPath: string, tagName: string, options: { compiler: 'simulate' | 'official'; rootPath: string }): string;
  render(id: string, properties?: Record<string, unknown>): SimulatedComponent;
}
 
const simulate = require('miniprogram-simulate') as Simulate;

export const MINIPROGRAM_ROOT = path.resolve(__dirname, '../../../miniprogram');
export const PAGE_PATH = path.join(MINIPROGRAM_ROOT, 'pages/analytics/index');

export type RenderedPage = SimulatedComponent;

/** Loads and attaches the page; call `page.instance.onLoad(query)` as the platform does. */
let pageId: string | undefined;

export function renderPage(): RenderedPage {
  // Loaded once per test file: jest's module registry runs the page's Component() only on the first require.
  pageId ??= simulate.load(PAGE_PATH, 'analytics-page', { compiler: 'simulate', rootPath: MINIPROGRAM_ROOT });
  const id = pageId;
  const page = simulate.render(id);
  page.attach(document.createElement('parent-wrapper'));
  return page;
}

/** The text of every node matching `selector`, whitespace collapsed. */
export function texts(page: RenderedPage, selector: string): string[] {
  return page.querySelectorAll(selector).map((node) => (node.dom?.textContent ?? '').replace(/\s+/g, ' ').trim());
}

export function text(page: RenderedPage, selector: string): string {
  return texts(page, selector).join(' ');
}

/** The page's methods (a page written with Component() keeps its lifecycle among its methods). */
export interface PageMethods {
  onLoad(query: Record<string, string>): Promise<void>;
  onPullDownRefresh(): Promise<void>;
  load(): Promise<void>;
  changeRange(end: 'from' | 'to', month: string): Promise<void>;
  onBackfill(): Promise<void>;
}

export function methods(page: RenderedPage): PageMethods {
  return page.instance as unknown as PageMethods;
}
