-- One step of connected-components labelling: a record takes the smallest label
-- of its keys, a key the smallest label of its records. Repeated until stable.
CREATE OR REPLACE TEMP TABLE rec_label AS
SELECT rk.rec, MIN(kl.label) AS label
FROM graph_key rk JOIN key_label kl ON kl.key = rk.key
GROUP BY rk.rec;

CREATE OR REPLACE TEMP TABLE key_label_next AS
SELECT rk.key, MIN(rl.label) AS label
FROM graph_key rk JOIN rec_label rl ON rl.rec = rk.rec
GROUP BY rk.key;
