/** Where the API and media live. Same origin everywhere: CloudFront, the twin's front door and Vite's dev proxy route /api and /media. */
export const config = {
  apiBase: '/api',
  /** How often to probe the API while it is unreachable. */
  reconnectProbeMs: 3000,
  /** Quiet time before a search-as-you-type request goes out. */
  searchDebounceMs: 250,
  pageSize: 24,
  featuredCount: 8,
} as const;
