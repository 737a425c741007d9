// sdk-test.mjs: the official openai npm package, unmodified, against a
// running power family.  POWER_URL is the server's base URL (ending in
// /v1), POWER_MODEL the name of a configured model.  Every check prints
// "ok - ..." or "not ok - ..."; the exit status is the number of
// failures.  If the SDK rejects one of our responses, we are wrong.

import assert from 'node:assert/strict';
import OpenAI from 'openai';

const baseURL = process.env.POWER_URL;
const model = process.env.POWER_MODEL;
if (!baseURL || !model) {
	console.error('usage: POWER_URL=http://host:port/v1 POWER_MODEL=name ' +
	    'node sdk-test.mjs');
	process.exit(2);
}
const client = new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0,
    timeout: 120000 });
let failures = 0;

async function check(name, fn) {
	try {
		await fn();
		console.log(`ok - ${name}`);
	} catch (e) {
		failures++;
		console.log(`not ok - ${name}`);
		console.log(`  ${String(e && e.stack || e).split('\n')
		    .join('\n  ')}`);
	}
}

function checkUsage(u) {
	assert.ok(u, 'usage present');
	assert.ok(Number.isInteger(u.prompt_tokens) && u.prompt_tokens > 0);
	assert.ok(Number.isInteger(u.completion_tokens));
	assert.equal(u.total_tokens, u.prompt_tokens + u.completion_tokens);
}

await check('models.list names the configured model', async () => {
	const ids = [];
	for await (const m of client.models.list())
		ids.push(m.id);
	assert.ok(ids.includes(model), `${model} in ${ids}`);
});

await check('models.retrieve gives the model object', async () => {
	const m = await client.models.retrieve(model);
	assert.equal(m.id, model);
	assert.equal(m.object, 'model');
	assert.equal(typeof m.created, 'number');
	assert.equal(typeof m.owned_by, 'string');
});

await check('chat.completions.create, not streamed', async () => {
	const r = await client.chat.completions.create({ model,
	    messages: [{ role: 'system', content: 'You tell stories.' },
	    { role: 'user', content: 'Once upon a time' }],
	    max_tokens: 24, temperature: 0 });
	assert.match(r.id, /^chatcmpl-/);
	assert.equal(r.object, 'chat.completion');
	assert.equal(r.model, model);
	assert.equal(r.choices.length, 1);
	assert.equal(r.choices[0].index, 0);
	assert.equal(r.choices[0].message.role, 'assistant');
	assert.equal(typeof r.choices[0].message.content, 'string');
	assert.ok(r.choices[0].message.content.length > 0);
	assert.ok(['stop', 'length'].includes(r.choices[0].finish_reason));
	checkUsage(r.usage);
	assert.ok(r.usage.completion_tokens <= 24);
});

await check('chat.completions.create, streamed, with usage', async () => {
	const opts = { model, messages: [{ role: 'user',
	    content: 'Tell me about a cat' }], max_tokens: 20,
	    temperature: 0 };
	const whole = await client.chat.completions.create(opts);
	const stream = await client.chat.completions.create({ ...opts,
	    stream: true, stream_options: { include_usage: true } });
	let text = '', role = null, finish = null, usage = null, n = 0;
	for await (const chunk of stream) {
		assert.equal(chunk.object, 'chat.completion.chunk');
		n++;
		if (chunk.usage)
			usage = chunk.usage;
		if (chunk.choices.length === 0)
			continue;
		const c = chunk.choices[0];
		if (c.delta.role)
			role = c.delta.role;
		if (c.delta.content)
			text += c.delta.content;
		if (c.finish_reason)
			finish = c.finish_reason;
	}
	assert.ok(n > 2, `${n} chunks`);
	assert.equal(role, 'assistant');
	assert.ok(finish === 'stop' || finish === 'length');
	assert.equal(text, whole.choices[0].message.content);
	checkUsage(usage);
	assert.deepEqual(usage, whole.usage);
});

await check('chat stream helper (runner) assembles the message', async () => {
	const runner = client.chat.completions.stream({ model,
	    messages: [{ role: 'user', content: 'Hello' }], max_tokens: 12,
	    temperature: 0 });
	const final = await runner.finalChatCompletion();
	assert.equal(final.choices[0].message.role, 'assistant');
	assert.equal(typeof final.choices[0].message.content, 'string');
});

await check('completions.create, streamed and not, agree', async () => {
	const opts = { model, prompt: 'Lily and Ben went to the park',
	    max_tokens: 16, temperature: 0 };
	const r = await client.completions.create(opts);
	assert.match(r.id, /^cmpl-/);
	assert.equal(r.object, 'text_completion');
	assert.equal(typeof r.choices[0].text, 'string');
	checkUsage(r.usage);
	let text = '';
	for await (const chunk of await client.completions.create({ ...opts,
	    stream: true }))
		for (const c of chunk.choices)
			text += c.text;
	assert.equal(text, r.choices[0].text);
});

await check('seed makes sampling reproducible; n = 2 gives 2 choices',
    async () => {
	const opts = { model, prompt: 'The dog', max_tokens: 16,
	    temperature: 1, seed: 42, n: 2 };
	const a = await client.completions.create(opts);
	const b = await client.completions.create(opts);
	assert.equal(a.choices.length, 2);
	assert.deepEqual(a.choices.map(c => c.index).sort(), [0, 1]);
	assert.deepEqual(a.choices.map(c => c.text), b.choices.map(c => c.text));
});

await check('embeddings.create (the SDK asks for base64)', async () => {
	const r = await client.embeddings.create({ model,
	    input: ['a happy cat', 'a sad dog'] });
	assert.equal(r.object, 'list');
	assert.equal(r.data.length, 2);
	for (const [i, d] of r.data.entries()) {
		assert.equal(d.object, 'embedding');
		assert.equal(d.index, i);
		assert.ok(d.embedding.length > 0);
		const norm = Math.sqrt(d.embedding.reduce((s, x) => s + x * x,
		    0));
		assert.ok(Math.abs(norm - 1) < 1e-4, `norm ${norm}`);
	}
	assert.notDeepEqual(r.data[0].embedding, r.data[1].embedding);
	assert.ok(r.usage.prompt_tokens > 0);
	const f = await client.embeddings.create({ model,
	    input: 'a happy cat', encoding_format: 'float' });
	const d = f.data[0].embedding.map((x, i) => Math.abs(x -
	    r.data[0].embedding[i]));
	assert.ok(Math.max(...d) < 1e-6, 'float and base64 agree');
});

await check('unknown model: NotFoundError (404) from the SDK', async () => {
	await assert.rejects(client.chat.completions.create({
	    model: 'no-such-model', messages: [{ role: 'user',
	    content: 'hi' }] }), (e) => {
		assert.ok(e instanceof OpenAI.APIError);
		assert.ok(e instanceof OpenAI.NotFoundError);
		assert.equal(e.status, 404);
		assert.equal(e.code, 'model_not_found');
		return true;
	});
});

await check('bad temperature: BadRequestError (400) names the param',
    async () => {
	await assert.rejects(client.chat.completions.create({ model,
	    messages: [{ role: 'user', content: 'hi' }], temperature: -1 }),
	    (e) => {
		assert.ok(e instanceof OpenAI.BadRequestError);
		assert.equal(e.status, 400);
		assert.equal(e.param, 'temperature');
		assert.equal(e.type, 'invalid_request_error');
		return true;
	});
});

console.log(failures === 0 ? 'all SDK checks passed' :
    `${failures} SDK check(s) failed`);
process.exit(failures);
