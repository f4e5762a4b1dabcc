import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AclClientRPCHook, aclSignature } from '../../src/client/acl-rpc-hook.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import { encodeJsonHeader } from '../../src/protocol/command/json-header.js';

// Vectors produced by the Java AclClientRPCHook (reference remoting.md §9).
describe('ACL request signing', () => {
  it('signs header fields in Java key order: topic route request', () => {
    const request = createRequest(105, { extFields: { topic: 'TopicTest' } });
    new AclClientRPCHook({ accessKey: 'RocketMQ', secretKey: '12345678' }).beforeRequest('x', request);
    assert.equal(request.extFields?.Signature, '0jiwhsaYp5ObE5GObbZH1I8/FT4=');
    assert.equal(request.extFields?.AccessKey, 'RocketMQ');
    assert.equal(request.extFields?.topic, 'TopicTest');
  });

  it('signs the security token and the body', () => {
    const request = createRequest(34, { body: Buffer.from('{"clientID":"x"}') });
    new AclClientRPCHook({
      accessKey: 'RocketMQ',
      secretKey: '12345678',
      securityToken: 'tok',
    }).beforeRequest('x', request);
    assert.equal(request.extFields?.Signature, 'xcy5D1eTLIXDi4xZBVELtTU+sTU=');
    assert.equal(request.extFields?.SecurityToken, 'tok');
  });

  it('ignores an existing Signature and sorts upper case before lower case', () => {
    const sig = aclSignature({ b: '2', A: '1', Signature: 'old', a: '3' }, undefined, 'k');
    assert.equal(sig, aclSignature({ A: '1', a: '3', b: '2' }, undefined, 'k'));
    assert.notEqual(sig, aclSignature({ A: '3', a: '1', b: '2' }, undefined, 'k'));
  });

  it('writes the signed fields into the header', () => {
    const request = createRequest(105, { extFields: { topic: 'TopicTest' }, opaque: 1 });
    new AclClientRPCHook({ accessKey: 'RocketMQ', secretKey: '12345678' }).beforeRequest('x', request);
    assert.match(encodeJsonHeader(request).toString(), /"Signature":"0jiwhsaYp5ObE5GObbZH1I8\/FT4="/);
  });

  it('refuses incomplete credentials', () => {
    assert.throws(() => new AclClientRPCHook({ accessKey: 'a', secretKey: '' }), /secretKey/);
  });
});

describe('the credentials option', () => {
  it('adds a signing hook after the given hooks, and is checked at construction', async () => {
    const { resolveClientConfig } = await import('../../src/client/client-config.js');
    const seen: string[] = [];
    const config = resolveClientConfig({
      nameServer: '127.0.0.1:9876',
      rpcHooks: [{ beforeRequest: (_a, r) => void seen.push(r.extFields?.Signature ?? 'unsigned') }],
      credentials: { accessKey: 'RocketMQ', secretKey: '12345678' },
    });
    assert.equal(config.rpcHooks.length, 2);
    const request = createRequest(105, { extFields: { topic: 'TopicTest' } });
    for (const hook of config.rpcHooks) hook.beforeRequest?.('x', request);
    assert.deepEqual(seen, ['unsigned']);
    assert.equal(request.extFields?.Signature, '0jiwhsaYp5ObE5GObbZH1I8/FT4=');
    assert.throws(
      () =>
        resolveClientConfig({
          nameServer: '127.0.0.1:9876',
          credentials: { accessKey: 'ak', secretKey: '' },
        }),
      /secretKey/,
    );
  });
});
