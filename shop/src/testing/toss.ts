/** Where a Toss Payments stand-in (`startTossStandin` from @evermall/testkit) listens, and its keys. */
export interface TossEndpoint {
  url: string;
  sdkUrl: string;
  clientKey: string;
  secretKey: string;
}

/** The shop settings that make it take payments through Toss at `standin`; `extra` overrides or adds. */
export function tossShopEnv(standin: TossEndpoint, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PAYMENT_PROVIDER: 'toss',
    TOSS_API_URL: standin.url,
    TOSS_SDK_URL: standin.sdkUrl,
    TOSS_CLIENT_KEY: standin.clientKey,
    TOSS_SECRET_KEY: standin.secretKey,
    ...extra,
  };
}
