import { App } from 'aws-cdk-lib';
import { createEvermall } from '../lib/evermall.js';
createEvermall(new App());
