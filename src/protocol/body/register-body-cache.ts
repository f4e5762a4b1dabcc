/**
 * REGISTER_BROKER body (4.9 JSON form, uncompressed) with each topic's JSON kept between rounds.
 *
 * A broker sends its whole topic table every 30 s and after each change. Written from scratch, the
 * fastjson writer costs ~20 us a topic: ~1 s of frozen event loop for 50,000 topics. Here each
 * entry's text is made once per topic and reused while the topic's fields are unchanged
 * (a field comparison also catches a config mutated in place), so a round costs one string join. The
 * bytes are exactly encodeRegisterBrokerBody's (same writer, same entry order).
 */
import { fastjsonString, toFastjsonString } from '../json/fastjson-write.js';
import { encodeRegisterBrokerBody } from './register-broker.js';
import type { RegisterBrokerBody } from './register-broker.js';
import { topicConfigToJson } from './topic-config.js';
import type { TopicConfig } from './topic-config.js';

const TABLE_SLOT = '"topicConfigTable":{}';

interface CachedEntry {
  /** A copy of the fields the text was made from: a config changed in place is written anew. */
  fields: TopicConfig;
  text: string;
}

/**
 * Every field the entry's text embeds. `attributes` is not one: this encoder writes the 4.9 form
 * only (topicConfigToJson(_, false)); a 5.x form would have to compare (and copy) them too.
 */
function sameFields(a: TopicConfig, b: TopicConfig): boolean {
  return (
    a.topicName === b.topicName &&
    a.readQueueNums === b.readQueueNums &&
    a.writeQueueNums === b.writeQueueNums &&
    a.perm === b.perm &&
    a.topicFilterType === b.topicFilterType &&
    a.topicSysFlag === b.topicSysFlag &&
    a.order === b.order
  );
}

export class RegisterBodyEncoder {
  /** By topic name; rebuilt each round, so deleted topics are forgotten. */
  private entries = new Map<string, CachedEntry>();

  encode(body: RegisterBrokerBody): Buffer {
    const { topicConfigTable, ...rest } = body.topicConfigSerializeWrapper;
    // Everything but the table, written by the one writer, with an empty table to fill in.
    const frame = encodeRegisterBrokerBody({
      ...body,
      topicConfigSerializeWrapper: { ...rest, topicConfigTable: new Map() },
    }).toString('utf8');
    const at = frame.indexOf(TABLE_SLOT);
    if (at < 0) return encodeRegisterBrokerBody(body);
    const previous = this.entries;
    const next = new Map<string, CachedEntry>();
    const parts: string[] = [];
    for (const [name, config] of topicConfigTable) {
      let entry = previous.get(name);
      if (entry === undefined || !sameFields(entry.fields, config)) {
        const json = toFastjsonString(topicConfigToJson(config, false), 'plain');
        entry = { fields: { ...config }, text: `${fastjsonString(name, 'plain')}:${json}` };
      }
      next.set(name, entry);
      parts.push(entry.text);
    }
    this.entries = next;
    const cut = at + TABLE_SLOT.length - 1;
    return Buffer.from(frame.slice(0, cut) + parts.join(',') + frame.slice(cut), 'utf8');
  }
}
