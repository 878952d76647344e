declare global {
  namespace App {
    interface Platform {
      /**
       * The Vigil API (tRPC and REST) answering in-process, set when the dashboard is mounted
       * inside the Vigil server by `createWebHandler`: server-side loads then reach the API
       * without a network round trip.
       */
      api?: (request: Request) => Promise<Response>;
    }
  }
}

export {};
