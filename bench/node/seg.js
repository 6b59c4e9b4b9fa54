#!/usr/bin/env node
// Segmentation throughput of split-sms and sms-segments-calculator over bench/corpus.txt on one
// thread (Node is single-threaded here), repeated until MIN_SECS have passed per package.
// Usage: NODE_PATH=<dir>/node_modules node seg.js CORPUS MIN_SECS
// Prints one JSON line per package.
'use strict';
const fs = require('fs');

const [corpusPath, minSecsArg] = process.argv.slice(2);
if (!corpusPath || !minSecsArg) {
  console.error('usage: node seg.js CORPUS MIN_SECS');
  process.exit(2);
}
const minSecs = Number(minSecsArg);
const corpus = fs.readFileSync(corpusPath, 'utf8').split('\n').filter((l) => l.length > 0)
  .map((l) => l.split('\\n').join('\n'));
if (corpus.length === 0) {
  console.error(`corpus ${corpusPath} has no messages`);
  process.exit(1);
}

const splitSms = require('split-sms');
const { SegmentedMessage } = require('sms-segments-calculator');

const tools = [
  {
    name: 'split-sms',
    version: require('split-sms/package.json').version,
    segments: (t) => splitSms.split(t).parts.length,
    unicode: (t) => splitSms.split(t).characterSet !== 'GSM',
  },
  {
    name: 'sms-segments-calculator',
    version: require('sms-segments-calculator/package.json').version,
    segments: (t) => new SegmentedMessage(t, 'auto').segmentsCount,
    unicode: (t) => new SegmentedMessage(t, 'auto').encodingName !== 'GSM-7',
  },
];

let sink = 0;
for (const tool of tools) {
  const perMessage = corpus.map((t) => tool.segments(t));
  const corpusSegments = perMessage.reduce((a, n) => a + n, 0);
  const corpusUnicode = corpus.filter((t) => tool.unicode(t)).length;
  // Warm-up pass (JIT), then the timed loop.
  for (const t of corpus) sink += tool.segments(t);
  const start = process.hrtime.bigint();
  let done = 0;
  let secs = 0;
  for (;;) {
    for (const t of corpus) sink += tool.segments(t);
    done += corpus.length;
    secs = Number(process.hrtime.bigint() - start) / 1e9;
    if (secs >= minSecs) break;
  }
  console.log(JSON.stringify({
    tool: `${tool.name} ${tool.version}`,
    messages: done,
    secs,
    msgs_per_sec: done / secs,
    corpus_messages: corpus.length,
    corpus_segments: corpusSegments,
    corpus_unicode: corpusUnicode,
    segments_per_message: perMessage,
  }));
}
if (sink < 0) console.log(sink);
