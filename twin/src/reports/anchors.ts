/**
 * Published figures each drill is read against (docs/anchors.md#published-figures). A figure marked "derived" is
 * arithmetic on documented settings, shown with the documents it comes from.
 */
export interface Anchor {
  /** The drill figure this anchor is compared with. */
  figure: string;
  event: string;
  published: string;
  source: string;
  url: string;
}

const RDS_MULTI_AZ_INSTANCE: Anchor = {
  figure: 'writeOutageSeconds',
  event: 'RDS Multi-AZ DB instance failover',
  published: 'typically 60–120 s',
  source: 'Amazon RDS User Guide, "Failing over a Multi-AZ DB instance"',
  url: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZ.Failover.html',
};

const RDS_MULTI_AZ_CLUSTER: Anchor = {
  figure: 'writeOutageSeconds',
  event: 'RDS Multi-AZ DB cluster failover',
  published: 'typically under 35 s',
  source: 'Amazon RDS User Guide, "Failing over a Multi-AZ DB cluster"',
  url: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/multi-az-db-clusters-concepts-failover.html',
};

const PG_AUTO_FAILOVER_DEFAULTS: Anchor = {
  figure: 'writeOutageSeconds',
  event: 'pg_auto_failover with default timings',
  published: 'about 52 s measured on this machine (check 5 s, unhealthy after 20 s, demote 30 s)',
  source: 'hapostgres/pg_auto_failover src/monitor/pg_auto_failover.c; docs/anchors.md#published-figures',
  url: 'https://github.com/hapostgres/pg_auto_failover/blob/main/src/monitor/pg_auto_failover.c',
};

const ALB_DETECTION_FLOOR: Anchor = {
  figure: 'recoverySeconds',
  event: 'ALB target-detection floor',
  published: '5 s interval × 2 unhealthy checks = 10 s (derived); default 30 s × 2 = 60 s',
  source: 'ELB User Guide, "Health checks for your target groups"',
  url: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html',
};

const ALB_MID_REQUEST: Anchor = {
  figure: 'failedRequests',
  event: 'ALB when a target dies mid-request',
  published: '502 to the client; no retry documented',
  source: 'ELB User Guide, "Troubleshoot your Application Load Balancers" (HTTP 502)',
  url: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html',
};

const CLOUDFRONT_ORIGIN_FAILOVER: Anchor = {
  figure: 'secondsToBackupSite',
  event: 'CloudFront origin group failover',
  published: 'per request, no health check: on the listed status codes at once, else after connection timeout × attempts (default 10 s × 3) or the response timeout (default 30 s)',
  source: 'CloudFront Developer Guide, "Optimize high availability with CloudFront origin failover"',
  url: 'https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/high_availability_origin_failover.html',
};

const ROUTE53_FAILOVER: Anchor = {
  figure: 'secondsToDeepCheckFailover',
  event: 'Route 53 DNS failover',
  published: '~1–3 min with TTL (derived: 10 or 30 s interval × threshold 1–10, default 3, plus TTL ≤ 60 s)',
  source: 'Route 53 Developer Guide, "How Amazon Route 53 determines whether a health check is healthy" and "Failover routing"',
  url: 'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html',
};

const ASG_TARGET_TRACKING: Anchor = {
  figure: 'secondsUntilNewInstanceServes',
  event: 'EC2 Auto Scaling target tracking, spike to serving instance',
  published: '~5–8 min (derived: 1-min metrics, 3 of 3 datapoints, launch, boot, ALB initial checks)',
  source: 'EC2 Auto Scaling User Guide, "Target tracking scaling policies" and "Default instance warmup"',
  url: 'https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-scaling-target-tracking.html',
};

const ASG_REPLACEMENT: Anchor = {
  figure: 'recoverySeconds',
  event: 'EC2 Auto Scaling replaces an unhealthy instance',
  published: 'ELB health check marks it unhealthy (≥ 10 s), then launch + boot + grace period (minutes, derived)',
  source: 'EC2 Auto Scaling User Guide, "Health checks for instances in an Auto Scaling group"',
  url: 'https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-health-checks.html',
};

const INSTANCE_REFRESH: Anchor = {
  figure: 'failedRequests',
  event: 'EC2 Auto Scaling instance refresh',
  published: 'replaces instances in steps keeping min healthy percentage (default 90 %); deregistration delay default 300 s',
  source: 'EC2 Auto Scaling User Guide, "Use an instance refresh to update instances"; ELB User Guide, "Target group attributes"',
  url: 'https://docs.aws.amazon.com/autoscaling/ec2/userguide/asg-instance-refresh.html',
};

const OVERSELL_PEERS: Anchor = {
  figure: 'oversold',
  event: 'Peer shops under a flash sale',
  published: 'Medusa and Vendure both had oversell bugs under concurrency; Medusa 2.15.3 here: 300 checkouts on stock 50 sold 10 with 286 HTTP 500s',
  source: 'medusajs/medusa issues #16569, #16502; vendure PR #4930; docs/anchors.md#a-peer-shop-on-this-machine',
  url: 'https://github.com/medusajs/medusa/issues/16569',
};

const ALB_UNRESPONSIVE_TARGET: Anchor = {
  figure: 'slowestRequestMs',
  event: 'ALB with a target that accepts connections but never answers',
  published: 'the request waits for the idle timeout (default 60 s) and gets a 504; CloudFront in front gives up after its origin response timeout (default 30 s); neither retries a request that reached the target',
  source: 'ELB User Guide, "Troubleshoot your Application Load Balancers" (HTTP 504); CloudFront Developer Guide, "Response timeout"',
  url: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html',
};

const SQS_VISIBILITY_REDELIVERY: Anchor = {
  figure: 'consumerDrainSeconds',
  event: 'Lambda dies mid-batch on an SQS event source',
  published:
    'the batch is not deleted: its messages become visible again when the queue’s visibility timeout ends (derived: 180 s, six times the 30 s function timeout, as AWS recommends) and are received again, up to maxReceiveCount before the DLQ; on the twin RabbitMQ returns them as soon as the process’s connection drops',
  source: 'Lambda Developer Guide, "Using Lambda with Amazon SQS" and "Handling errors for an SQS event source in Lambda"; topology eventConsumers',
  url: 'https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html',
};

const AURORA_GLOBAL_RPO: Anchor = {
  figure: 'rpoSeconds',
  event: 'Aurora Global Database, Region outage',
  published: 'effective RPO of 1 s; replication to the secondary Region typically under 1 s',
  source: 'Amazon Aurora Global Database product page; Aurora User Guide, "Using Amazon Aurora Global Database"',
  url: 'https://aws.amazon.com/rds/aurora/global-database/',
};

const AURORA_GLOBAL_RTO: Anchor = {
  figure: 'rtoSeconds',
  event: 'Aurora Global Database, secondary Region promoted',
  published: 'RTO under 1 minute',
  source: 'Amazon Aurora Global Database product page',
  url: 'https://aws.amazon.com/rds/aurora/global-database/',
};

const RDS_CROSS_REGION_REPLICA_LAG: Anchor = {
  figure: 'rpoSeconds',
  event: 'RDS for PostgreSQL cross-Region read replica',
  published: 'asynchronous: no bound published; the lag (CloudWatch ReplicaLag) grows with the distance between Regions and the write load',
  source: 'RDS User Guide, "Creating a read replica in a different AWS Region"',
  url: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.XRgn.html',
};

const RDS_REPLICA_PROMOTION: Anchor = {
  figure: 'regionPromotionSeconds',
  event: 'RDS read replica promoted to a standalone instance',
  published: 'RDS reboots the instance first; several minutes or longer, depending on its size',
  source: 'RDS User Guide, "Promoting a read replica to be a standalone DB instance"',
  url: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.Promote.html',
};

const ROUTE53_REGION_DETECTION: Anchor = { ...ROUTE53_FAILOVER, figure: 'regionDetectionSeconds', event: 'Route 53 failover record health check, Region to Region' };

const SQS_REDUNDANT_STORE: Anchor = {
  figure: 'eventsLost',
  event: 'a server or an Availability Zone of SQS fails',
  published: 'SQS stores a message in more than one Availability Zone before it acknowledges the send, so no single computer, network or AZ failure makes it inaccessible; on the twin a quorum queue confirms once two of three nodes have it on disk',
  source: 'Amazon SQS Developer Guide, "Amazon SQS standard queues"',
  url: 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/standard-queues.html',
};

/** The anchors each drill is read against, in the order they are shown. */
export const drillAnchors: Record<string, Anchor[]> = {
  'instance-crash': [ALB_DETECTION_FLOOR, ALB_MID_REQUEST, ASG_REPLACEMENT],
  'zone-outage': [RDS_MULTI_AZ_INSTANCE, RDS_MULTI_AZ_CLUSTER, ALB_DETECTION_FLOOR],
  'db-failover': [RDS_MULTI_AZ_INSTANCE, RDS_MULTI_AZ_CLUSTER, PG_AUTO_FAILOVER_DEFAULTS],
  'hung-db-primary': [RDS_MULTI_AZ_INSTANCE, RDS_MULTI_AZ_CLUSTER],
  'zone-partition': [RDS_MULTI_AZ_INSTANCE, RDS_MULTI_AZ_CLUSTER],
  'site-down': [CLOUDFRONT_ORIGIN_FAILOVER, ROUTE53_FAILOVER],
  'flash-sale': [OVERSELL_PEERS],
  'scale-out': [ASG_TARGET_TRACKING],
  'rolling-deploy': [INSTANCE_REFRESH, ALB_MID_REQUEST],
  'hung-instance': [ALB_UNRESPONSIVE_TARGET, ALB_DETECTION_FLOOR, ASG_REPLACEMENT],
  'slow-instance': [ALB_UNRESPONSIVE_TARGET, ALB_DETECTION_FLOOR],
  'region-outage': [AURORA_GLOBAL_RPO, AURORA_GLOBAL_RTO, RDS_CROSS_REGION_REPLICA_LAG, RDS_REPLICA_PROMOTION, ROUTE53_REGION_DETECTION],
  'consumer-crash': [SQS_VISIBILITY_REDELIVERY],
  'broker-failover': [SQS_REDUNDANT_STORE],
};
