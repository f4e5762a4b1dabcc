/** Where the examples find the cluster: NAMESRV_ADDR, or `rmq dev`'s default address. */
export const nameServer = process.env.NAMESRV_ADDR ?? '127.0.0.1:9876';
