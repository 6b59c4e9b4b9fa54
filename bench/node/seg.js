#!/usr/bin/env node
// Segmentation throughput of split-sms and sms-segments-calculator over bench/corpus.jsonl on one
// thread (Node is single-threaded here), category by category, each repeated until MIN_SECS have
// passed.
// Usage: NODE_PATH=<dir>/node_modules node seg.js CORPUS MIN_SECS
// Prints one JSON line per package, with a `categories` object like bramka-bench's.
'use strict';
const fs = require('fs');

const [corpusPath, minSecsArg] = process.argv.slice(2);
if (!corpusPath || !minSecsArg) {
  console.error('usage: node seg.js CORPUS MIN_SECS');
  process.exit(2);
}
const minSecs = Number(minSecsArg);
const categories = new Map();
for (const line of fs.readFileSync(corpusPath, 'utf8').split('\n')) {
  if (line.trim() === '') continue;
  const { category, text } = JSON.parse(line);
  if (!categories.has(category)) categories.set(category, []);
  categories.get(category).push(text);
}
if (categories.size === 0) {
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
  const cats = {};
  let all = 0;
  let allSecs = 0;
  for (const [name, corpus] of categories) {
    const perMessage = corpus.map((t) => tool.segments(t));
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
    const rate = done / secs;
    all += corpus.length;
    allSecs += corpus.length / rate;
    cats[name] = {
      messages: corpus.length,
      msgs_per_sec: rate,
      corpus_segments: perMessage.reduce((a, n) => a + n, 0),
      corpus_unicode: corpus.filter((t) => tool.unicode(t)).length,
      segments_per_message: perMessage,
    };
  }
  console.log(JSON.stringify({
    tool: `${tool.name} ${tool.version}`,
    msgs_per_sec: all / allSecs,
    corpus_messages: all,
    categories: cats,
  }));
}
if (sink < 0) console.log(sink);
