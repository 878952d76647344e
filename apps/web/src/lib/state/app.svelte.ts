import { getContext, setContext } from 'svelte';
import { createVigilClient, type VigilClient } from '#lib/api/client';
import type { Principal } from '#lib/api/types';
import { Fleet } from './fleet.svelte';
import { LiveFeed } from './live-feed.svelte';

/** Where the browser reaches the API: the dashboard's own origin. */
export const BROWSER_API_URL = '/trpc';

/**
 * Everything the pages of one browser tab share: the API client, the live feed and the fleet it
 * keeps current. Created by the root layout per render, never at module level, so server renders
 * of different requests never share state.
 */
export class AppState {
  readonly client: VigilClient;
  readonly live = new LiveFeed();
  readonly fleet = new Fleet();
  /** The signed-in caller; null only on the sign-in page. */
  session = $state<Principal | null>(null);

  constructor() {
    this.client = createVigilClient({ url: BROWSER_API_URL });
  }

  /** Whether the signed-in user may change things (commands, acknowledgements). */
  get canOperate(): boolean {
    return this.session?.role === 'operator' || this.session?.role === 'admin';
  }

  /** Whether the signed-in user may administer devices. */
  get isAdmin(): boolean {
    return this.session?.role === 'admin';
  }
}

const KEY = Symbol('vigil-app');

/** Makes `state` the app state of this component tree (root layout only). */
export function provideApp(state: AppState): AppState {
  return setContext(KEY, state);
}

/** The app state provided by the root layout. */
export function useApp(): AppState {
  const state = getContext<AppState | undefined>(KEY);
  if (state === undefined) throw new Error('useApp() called outside the root layout');
  return state;
}
