/**
 * W3C Trace Context in message user properties (`traceparent`, `tracestate`), written with the
 * OpenTelemetry API alone (no SDK, no global propagator needed): the producer's span context goes
 * into the message, the consumer's span continues it. A propagator passed in the options (for
 * instance `propagation` from @opentelemetry/api, with the SDK's configured propagators) is used
 * instead.
 *
 *   traceparent = version "-" trace-id "-" parent-id "-" trace-flags
 *                 2 hex      32 hex        16 hex        2 hex        (version 00; ff is invalid)
 */
import { createTraceState, isSpanContextValid, trace } from '@opentelemetry/api';
import type { Context, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';

export const TRACE_PARENT = 'traceparent';
export const TRACE_STATE = 'tracestate';

const TRACE_PARENT_FORM = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** Message properties as a carrier. */
export interface PropertyCarrier {
  getProperty(name: string): string | undefined;
  putProperty?(name: string, value: string): void;
}

export const propertySetter: TextMapSetter<PropertyCarrier> = {
  set: (carrier, key, value) => carrier.putProperty?.(key, value),
};

export const propertyGetter: TextMapGetter<PropertyCarrier> = {
  get: (carrier, key) => carrier.getProperty(key),
  keys: () => [TRACE_PARENT, TRACE_STATE],
};

export class W3CTraceContext implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const span = trace.getSpanContext(context);
    if (span === undefined || !isSpanContextValid(span)) return;
    const flags = (span.traceFlags & 0xff).toString(16).padStart(2, '0');
    setter.set(carrier, TRACE_PARENT, `00-${span.traceId}-${span.spanId}-${flags}`);
    const state = span.traceState?.serialize();
    if (state) setter.set(carrier, TRACE_STATE, state);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const parent = single(getter.get(carrier, TRACE_PARENT));
    const match = parent === undefined ? null : TRACE_PARENT_FORM.exec(parent.trim());
    if (match === null) return context;
    const [, version, traceId, spanId, flags, rest] = match as unknown as string[];
    if (version === 'ff' || (version === '00' && rest !== undefined)) return context;
    const state = single(getter.get(carrier, TRACE_STATE));
    const spanContext = {
      traceId: traceId as string,
      spanId: spanId as string,
      traceFlags: parseInt(flags as string, 16) & 1,
      isRemote: true,
      ...(state !== undefined && { traceState: createTraceState(state) }),
    };
    if (!isSpanContextValid(spanContext)) return context;
    return trace.setSpanContext(context, spanContext);
  }

  fields(): string[] {
    return [TRACE_PARENT, TRACE_STATE];
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
