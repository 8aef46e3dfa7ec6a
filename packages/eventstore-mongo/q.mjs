import { MongoClient } from 'mongodb';
const c = await new MongoClient(process.env.U).connect();
const col = c.db('q' + Date.now()).collection('e');
await col.createIndex({ p: 1 }, { unique: true });
await col.insertOne({ p: 2 });
try {
  const r = await col.insertMany([{ p: 1 }, { p: 2 }, { p: 3 }], { ordered: true, writeConcern: { w: 'majority' } });
  console.log('NO ERROR', r.insertedCount, r.acknowledged);
} catch (e) { console.log('ERROR', e.name, e.code, e.writeErrors?.length, e.result?.insertedCount); }
console.log('stored', (await col.find().toArray()).map(d => d.p));
await c.close();
