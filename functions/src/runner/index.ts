export { FunctionRunner, type AsyncHandler, type FunctionRunnerOptions, type InvocationResult, type RunnerLog } from './function-runner.js';
export { BucketFolderNotifications, type BucketFolderNotificationsOptions } from './bucket-folder-notifications.js';
export { objectCreatedEvent, type CreatedObject } from './s3-event.js';
export type { FailureCondition, FunctionError } from './failure-destination.js';
export { SqsEventSourceMapping, DeliveryFailed, type SqsEventSourceOptions } from './sqs-event-source.js';
export { sqsEvent, sqsRecord, queueArn, type QueueMessage } from './sqs-event.js';
