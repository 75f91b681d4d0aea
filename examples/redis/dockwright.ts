import { from } from 'dockwright';

/** The smallest useful image: Redis on Alpine. */
export const redis = from('alpine').run('apk add redis').cmd(['redis-server']).$meta({ dockerfile: 'Dockerfile' });
