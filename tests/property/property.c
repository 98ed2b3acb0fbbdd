/*
 * property.c — a differential test of the rule base against SPEC §4's
 * red-flag rows.
 *
 *   property_test RULES_DIR [--sets N] [--seed S] [--from I] [--show K]
 *                 [--kind interview|scattered|both]   (both: alternate)
 *   property_test RULES_DIR --eval CASE.json     the table's level for one case
 *
 * It generates N random answer sets, half of them random interviews (follow
 * engine_next_question, answer at random within each question's type and
 * range, now and then unsure or skip, stop at a random point) and half
 * random answers to any questions at all, whether relevant or not (SPEC §4
 * R2: red-flag answers count wherever they were given). In each set the
 * engine's level must be at least as urgent as the most urgent red flag
 * that the table below assigns to the same answers.
 *
 * The table is this test's own plain reading of SPEC §1 and §4. It never
 * asks the rules anything: the rule base gives only the question catalogue
 * (ids, types, ranges, choices) that the generator answers from, and the
 * level the rules reach. Each row evaluates in three values:
 *
 *   YES      the row holds: its level is demanded;
 *   UNSURE   it holds but for an unsure or skipped answer to one of the
 *            red-flag questions SPEC marks (SPEC §1): at least
 *            consultation_24, or the row's own level if that is less urgent;
 *   NO       it does not hold.
 *
 * Readings, where SPEC needs one:
 *   - A pain site a row names blocks the row only when answered no; not
 *     answered, unsure or skipped, it does not (SPEC §4 R2).
 *     This holds for the rows whose criterion is an age too: an injury at
 *     50 with the back not yet answered is fracture_suspected, so SPEC's
 *     knee injury at 55 that is "fracture_xray_today" is one whose other
 *     sites were answered no (as an interview asks them).
 *   - Questions that SPEC does not mark as red-flag questions (knee_locking,
 *     the stiffness and swelling items) count only when answered yes.
 * Over-triage (the engine more urgent than the table) is not a failure.
 *
 * Before judging the rules, the table is checked against the examples SPEC
 * itself gives (spec_examples below); a disagreement exits 2.
 *
 * Reproducible: set i of seed S is generated from (S, i) alone, and
 * --from I --sets 1 replays it. A failure prints the seed, the set, both
 * levels and the answers as a case file for tests/cases/ (min_level: what
 * the table demands). Exit status 1 when any set fails, 2 on bad usage.
 */
#include "engine/engine.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

/* ------------------------------------------------------ SPEC §3 levels */

/* Most urgent first; the index is the urgency (0 most urgent). */
static const char *const levels[] = {
	"emergency_ambulance", "emergency", "consultation_24", "consultation",
	"self_care",
};
enum { AMBULANCE, EMERGENCY, CONSULT_24, CONSULT, SELF_CARE, N_LEVELS };

static int level_index(const char *id)
{
	for (int i = 0; i < N_LEVELS; i++)
		if (strcmp(levels[i], id) == 0)
			return i;
	return -1;
}

/* ------------------------------------------------------- the answer set */

#define MAX_ANSWERS 128

struct answers {
	char id[MAX_ANSWERS][48];
	char value[MAX_ANSWERS][24];   /* canonical text, "skip" when declined */
	bool numeric[MAX_ANSWERS];
	size_t n;
};

static const char *get(const struct answers *a, const char *id)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->id[i], id) == 0)
			return a->value[i];
	return NULL;
}

static void put(struct answers *a, const char *id, const char *value,
		bool numeric)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->id[i], id) == 0) {
			snprintf(a->value[i], sizeof(a->value[i]), "%s", value);
			a->numeric[i] = numeric;
			return;
		}
	if (a->n == MAX_ANSWERS)
		return;
	snprintf(a->id[a->n], sizeof(a->id[a->n]), "%s", id);
	snprintf(a->value[a->n], sizeof(a->value[a->n]), "%s", value);
	a->numeric[a->n] = numeric;
	a->n++;
}

/* ------------------------------------------ the table: SPEC §1 and §4 */

enum tri { NO = 0, UNSURE = 1, YES = 2 };

static enum tri and2(enum tri a, enum tri b) { return a < b ? a : b; }
static enum tri or2(enum tri a, enum tri b) { return a > b ? a : b; }
static enum tri and3(enum tri a, enum tri b, enum tri c) { return and2(and2(a, b), c); }
static enum tri or3(enum tri a, enum tri b, enum tri c) { return or2(or2(a, b), c); }

/* A red-flag question (SPEC §1): unsure or skipped is UNSURE, never no. */
static enum tri flag(const struct answers *a, const char *id)
{
	const char *v = get(a, id);
	if (!v)
		return NO;
	if (strcmp(v, "yes") == 0)
		return YES;
	if (strcmp(v, "unsure") == 0 || strcmp(v, "skip") == 0)
		return UNSURE;
	return NO;
}

/* Any other yes/no question: only yes counts. */
static enum tri said_yes(const struct answers *a, const char *id)
{
	const char *v = get(a, id);
	return v && strcmp(v, "yes") == 0 ? YES : NO;
}

/* A pain site named by a row: only no blocks it (SPEC §4 R2). */
static enum tri site(const struct answers *a, const char *id)
{
	const char *v = get(a, id);
	return v && strcmp(v, "no") == 0 ? NO : YES;
}

/* A number compared with a threshold; unknown or skipped never holds. */
static bool number(const struct answers *a, const char *id, double *out)
{
	const char *v = get(a, id);
	char *end;
	if (!v || strcmp(v, "skip") == 0)
		return false;
	*out = strtod(v, &end);
	return end != v && *end == '\0';
}

static enum tri at_least(const struct answers *a, const char *id, double min)
{
	double x;
	return number(a, id, &x) && x >= min ? YES : NO;
}

static enum tri below(const struct answers *a, const char *id, double max)
{
	double x;
	return number(a, id, &x) && x < max ? YES : NO;
}

static enum tri above(const struct answers *a, const char *id, double min)
{
	double x;
	return number(a, id, &x) && x > min ? YES : NO;
}

static enum tri pulmonary_embolism(const struct answers *a)
{
	return and2(flag(a, "calf_swelling"), flag(a, "breathless_or_chest_pain"));
}

static enum tri aortic_emergency(const struct answers *a)
{
	/* whatever the pain sites (R2) */
	return flag(a, "sudden_severe_pain_faint");
}

static enum tri cauda_equina(const struct answers *a)
{
	return and2(or2(site(a, "low_back_pain"), site(a, "leg_radiating_pain")),
		    or2(flag(a, "saddle_numbness"), flag(a, "bladder_bowel_change")));
}

static enum tri septic_arthritis(const struct answers *a)
{
	enum tri knee = and2(flag(a, "knee_hot_swollen"),
			     or2(flag(a, "fever"), flag(a, "immunosuppressed")));
	enum tri hip = and3(site(a, "hip_pain"), flag(a, "fever"),
			    flag(a, "unable_to_bear_weight"));
	return or2(knee, hip);
}

static enum tri spinal_infection(const struct answers *a)
{
	return and2(site(a, "low_back_pain"), flag(a, "fever"));
}

static enum tri fracture(const struct answers *a)
{
	enum tri ottawa_exam = or3(flag(a, "exam_patellar_tenderness"),
				   flag(a, "exam_fibular_head_tenderness"),
				   flag(a, "exam_knee_flexion_below_90"));
	enum tri spine = or2(and2(site(a, "low_back_pain"),
				  flag(a, "osteoporosis_or_steroids")),
			     and2(site(a, "low_back_pain"),
				  at_least(a, "age", 50)));
	return and2(flag(a, "recent_trauma"),
		    or3(flag(a, "unable_to_bear_weight"),
			and2(site(a, "knee_pain"), ottawa_exam), spine));
}

static enum tri fracture_xray_today(const struct answers *a)
{
	/* able to bear weight or not yet known; unable is fracture() */
	return and2(flag(a, "recent_trauma"),
		    or2(and2(site(a, "knee_pain"), at_least(a, "age", 55)),
			and2(site(a, "hip_pain"), at_least(a, "age", 65))));
}

static enum tri cervical_injury(const struct answers *a)
{
	return and2(flag(a, "recent_trauma"),
		    and2(site(a, "neck_pain"),
			 or2(at_least(a, "age", 65),
			     flag(a, "arm_numbness_tingling"))));
}

static enum tri acute_knee_injury(const struct answers *a)
{
	return and3(site(a, "knee_pain"), flag(a, "recent_trauma"),
		    or2(flag(a, "knee_swelling_rapid"),
			said_yes(a, "knee_locking")));
}

static enum tri dvt(const struct answers *a)
{
	/* breathlessness no, unsure, skipped or not yet answered (R2) */
	enum tri not_breathless = flag(a, "breathless_or_chest_pain") == YES
					  ? NO : YES;
	return and2(flag(a, "calf_swelling"), not_breathless);
}

static enum tri hot_swollen_joint(const struct answers *a)
{
	/* with fever or immunosuppression it is septic_arthritis, above */
	return flag(a, "knee_hot_swollen");
}

static enum tri progressive_neuro_deficit(const struct answers *a)
{
	return flag(a, "leg_weakness_progressive");
}

static enum tri serious_pathology(const struct answers *a)
{
	enum tri any_site = or2(or2(site(a, "low_back_pain"), site(a, "hip_pain")),
				or2(site(a, "knee_pain"), site(a, "neck_pain")));
	enum tri sign = or3(flag(a, "cancer_history"),
			    flag(a, "weight_loss_unexplained"),
			    flag(a, "night_pain"));
	enum tri wasting = and2(flag(a, "weight_loss_unexplained"),
				or2(said_yes(a, "muscle_loss_noticed"),
				    said_yes(a, "thigh_weakness")));
	return or2(and2(any_site, sign), wasting);
}

static enum tri locked_knee(const struct answers *a)
{
	return said_yes(a, "knee_locking");
}

static enum tri inflammatory_arthritis(const struct answers *a)
{
	return and2(above(a, "morning_stiffness_minutes", 30),
		    or2(said_yes(a, "other_joints_swollen"),
			said_yes(a, "knee_swelling")));
}

static enum tri inflammatory_back_pain(const struct answers *a)
{
	return and3(and2(site(a, "low_back_pain"),
			 at_least(a, "back_duration_weeks", 12)),
		    and2(below(a, "age", 45),
			 above(a, "morning_stiffness_minutes", 30)),
		    said_yes(a, "back_better_with_exercise"));
}

struct row {
	const char *id;
	int level;
	enum tri (*holds)(const struct answers *a);
};

/* SPEC §4, red flags. */
static const struct row table[] = {
	{ "pulmonary_embolism_suspected", AMBULANCE, pulmonary_embolism },
	{ "aortic_emergency_suspected", AMBULANCE, aortic_emergency },
	{ "cauda_equina_suspected", EMERGENCY, cauda_equina },
	{ "septic_arthritis_suspected", EMERGENCY, septic_arthritis },
	{ "spinal_infection_suspected", EMERGENCY, spinal_infection },
	{ "fracture_suspected", EMERGENCY, fracture },
	{ "fracture_xray_today", CONSULT_24, fracture_xray_today },
	{ "cervical_injury_suspected", EMERGENCY, cervical_injury },
	{ "acute_knee_injury", CONSULT_24, acute_knee_injury },
	{ "dvt_suspected", EMERGENCY, dvt },
	{ "hot_swollen_joint", CONSULT_24, hot_swollen_joint },
	{ "progressive_neuro_deficit", CONSULT_24, progressive_neuro_deficit },
	{ "serious_pathology_suspected", CONSULT, serious_pathology },
	{ "locked_knee", CONSULT, locked_knee },
	{ "inflammatory_arthritis_suspected", CONSULT, inflammatory_arthritis },
	{ "inflammatory_back_pain_suspected", CONSULT, inflammatory_back_pain },
};
#define N_ROWS (sizeof(table) / sizeof(*table))

/* The most urgent level the table demands; *why names its row (with
 * "(unsure)" for the unsure form), NULL when no row holds. */
static int table_level(const struct answers *a, const char **why, bool *unsure)
{
	int best = SELF_CARE;
	*why = NULL;
	*unsure = false;
	for (size_t i = 0; i < N_ROWS; i++) {
		enum tri t = table[i].holds(a);
		int lvl = t == YES ? table[i].level
			  : t == UNSURE ? (table[i].level > CONSULT_24
					   ? table[i].level : CONSULT_24)
			  : SELF_CARE;
		if (t != NO && (!*why || lvl < best)) {
			best = lvl;
			*why = table[i].id;
			*unsure = t == UNSURE;
		}
	}
	return best;
}

/* The table against the examples SPEC itself gives (§4 R2 and §7), so
 * that a slip in the table shows before it judges the rules. */
static const struct {
	const char *answers;    /* id=value pairs, space-separated */
	int level;
} spec_examples[] = {
	{ "saddle_numbness=yes", EMERGENCY },
	{ "saddle_numbness=yes low_back_pain=no", EMERGENCY },
	{ "saddle_numbness=yes low_back_pain=no leg_radiating_pain=no", SELF_CARE },
	{ "low_back_pain=yes saddle_numbness=unsure", CONSULT_24 },
	{ "age=55 knee_pain=yes recent_trauma=yes low_back_pain=no", CONSULT_24 },
	{ "age=54 knee_pain=yes recent_trauma=yes low_back_pain=no "
	  "hip_pain=no", SELF_CARE },
	{ "age=50 knee_pain=yes recent_trauma=yes", EMERGENCY },
	{ "age=30 knee_pain=yes recent_trauma=yes unable_to_bear_weight=yes", EMERGENCY },
	{ "age=70 hip_pain=yes recent_trauma=yes unable_to_bear_weight=no "
	  "knee_pain=no low_back_pain=no neck_pain=no", CONSULT_24 },
	{ "age=64 hip_pain=yes recent_trauma=yes unable_to_bear_weight=no "
	  "knee_pain=no low_back_pain=no neck_pain=no", SELF_CARE },
	{ "age=60 low_back_pain=yes recent_trauma=yes", EMERGENCY },
	{ "knee_pain=yes calf_swelling=yes", EMERGENCY },
	{ "knee_pain=yes calf_swelling=unsure", CONSULT_24 },
	{ "calf_swelling=yes breathless_or_chest_pain=yes", AMBULANCE },
	{ "calf_swelling=yes breathless_or_chest_pain=unsure", EMERGENCY },
	{ "knee_pain=yes sudden_severe_pain_faint=yes", AMBULANCE },
	{ "age=65 neck_pain=yes recent_trauma=yes", EMERGENCY },
	{ "age=65 neck_pain=no recent_trauma=yes low_back_pain=no", CONSULT_24 },
	{ "age=40 neck_pain=yes recent_trauma=yes arm_numbness_tingling=yes", EMERGENCY },
	{ "age=30 knee_pain=yes recent_trauma=yes knee_swelling_rapid=yes", CONSULT_24 },
	{ "age=30 knee_pain=yes recent_trauma=yes knee_locking=yes", CONSULT_24 },
	{ "age=50 neck_pain=yes cancer_history=yes", CONSULT },
	{ "weight_loss_unexplained=yes muscle_loss_noticed=yes", CONSULT },
	{ "knee_pain=yes knee_hot_swollen=yes fever=no immunosuppressed=no", CONSULT_24 },
	{ "knee_pain=yes knee_hot_swollen=yes immunosuppressed=yes", EMERGENCY },
	{ "age=40 knee_pain=no hip_pain=no low_back_pain=no neck_pain=no", SELF_CARE },
};

static bool table_matches_spec(void)
{
	bool ok = true;
	for (size_t i = 0; i < sizeof(spec_examples) / sizeof(*spec_examples); i++) {
		struct answers a = { 0 };
		char buf[256];
		snprintf(buf, sizeof(buf), "%s", spec_examples[i].answers);
		for (char *save = NULL, *tok = strtok_r(buf, " ", &save); tok;
		     tok = strtok_r(NULL, " ", &save)) {
			char *eq = strchr(tok, '=');
			*eq = '\0';
			put(&a, tok, eq + 1, eq[1] >= '0' && eq[1] <= '9');
		}
		const char *why;
		bool unsure;
		int got = table_level(&a, &why, &unsure);
		if (got != spec_examples[i].level) {
			fprintf(stderr, "property: the table gives %s for the SPEC "
				"example '%s', which SPEC puts at %s\n", levels[got],
				spec_examples[i].answers,
				levels[spec_examples[i].level]);
			ok = false;
		}
	}
	return ok;
}

/* --------------------------------------------------------- the generator */

struct rng {
	uint64_t s;
};

static uint64_t next(struct rng *r)
{
	/* splitmix64 */
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned below_n(struct rng *r, unsigned n)
{
	return (unsigned)(next(r) % n);
}

/* Thresholds the table reads, so that the generator lands on both sides. */
static const struct {
	const char *id;
	int near[6];
} edges[] = {
	{ "age", { 15, 16, 44, 45, 49, 50 } },
	{ "age", { 54, 55, 64, 65, 66, 80 } },
	{ "morning_stiffness_minutes", { 29, 30, 31, 45, 60, 0 } },
	{ "back_duration_weeks", { 10, 11, 12, 13, 52, 0 } },
	{ "knee_duration_weeks", { 10, 11, 12, 13, 52, 0 } },
};

/* A random answer for q, in canonical text form. */
static bool random_value(struct rng *r, const struct engine_question *q,
			 char *buf, size_t size, int unsure_pct)
{
	if ((int)below_n(r, 100) < unsure_pct) {
		snprintf(buf, size, "%s",
			 q->type == ENGINE_TYPE_YESNO && below_n(r, 2) ? "unsure"
									: "skip");
		return false;
	}
	switch (q->type) {
	case ENGINE_TYPE_YESNO:
		snprintf(buf, size, "%s", below_n(r, 100) < 40 ? "yes" : "no");
		return false;
	case ENGINE_TYPE_CHOICE:
		snprintf(buf, size, "%s", q->choices[below_n(r, (unsigned)q->n_choices)]);
		return false;
	case ENGINE_TYPE_NUMBER: {
		double x = q->min + (q->max - q->min) *
				    ((double)below_n(r, 1000001) / 1000000.0);
		snprintf(buf, size, "%.1f", x);
		return true;
	}
	default: {
		long lo = (long)q->min, hi = (long)q->max, v;
		unsigned pick = below_n(r, 3);
		if (pick == 0) {
			v = lo + (long)below_n(r, (unsigned)(hi - lo + 1));
		} else if (pick == 1) {
			long span = hi - lo < 60 ? hi - lo : 60;
			v = lo + (long)below_n(r, (unsigned)(span + 1));
		} else {
			v = lo + (long)below_n(r, (unsigned)(hi - lo + 1));
			for (size_t i = 0; i < sizeof(edges) / sizeof(*edges); i++)
				if (strcmp(edges[i].id, q->id) == 0 && below_n(r, 2))
					v = edges[i].near[below_n(r, 6)];
		}
		if (v < lo)
			v = lo;
		if (v > hi)
			v = hi;
		snprintf(buf, size, "%ld", v);
		return true;
	}
	}
}

static int apply(engine *e, const struct engine_question *q, const char *text)
{
	int rv = engine_answer_set_text(e, q->id, text);
	if (rv != 0)
		fprintf(stderr, "property: the engine refused '%s' for '%s': %s\n",
			text, q->id, engine_errmsg(e));
	return rv;
}

/* A random interview: the engine's next question each time, stopped at a
 * random point or when complete. */
static int interview(engine *e, struct rng *r, struct answers *a)
{
	unsigned stop_after = below_n(r, 4) == 0 ? 1000 : below_n(r, 40);
	int unsure_pct = (int)below_n(r, 25);
	for (unsigned step = 0; step < stop_after; step++) {
		if (engine_run(e) != 0)
			return -1;
		const struct engine_question *q = engine_next_question(e);
		if (!q)
			return 0;
		char buf[24];
		bool numeric = random_value(r, q, buf, sizeof(buf), unsure_pct);
		if (apply(e, q, buf) != 0)
			return -1;
		put(a, q->id, buf, numeric && strcmp(buf, "skip") != 0);
	}
	return engine_run(e);
}

/* Random answers to random questions, relevant or not. */
static int scattered(engine *e, struct rng *r, struct answers *a)
{
	size_t n = engine_question_count(e);
	unsigned pct = 3 + below_n(r, 30);
	int unsure_pct = (int)below_n(r, 25);
	for (size_t i = 0; i < n; i++) {
		if (below_n(r, 100) >= pct)
			continue;
		const struct engine_question *q = engine_question_at(e, i);
		char buf[24];
		bool numeric = random_value(r, q, buf, sizeof(buf), unsure_pct);
		if (apply(e, q, buf) != 0)
			return -1;
		put(a, q->id, buf, numeric && strcmp(buf, "skip") != 0);
	}
	return engine_run(e);
}

/* -------------------------------------------------------------- reports */

/* The answer set as a case file of tests/cases/ (README.md there), with
 * the level the table demands as its min_level. */
static void print_case(FILE *out, const struct answers *a, bool kiosk,
		       unsigned long long seed, unsigned long long set,
		       const char *why, int want)
{
	fprintf(out, "{\"description\": \"property test seed %llu set %llu: "
		"%s\", \"mode\": \"%s\", \"answers\": {", seed, set,
		why ? why : "engine failure", kiosk ? "kiosk" : "clinician");
	for (size_t i = 0; i < a->n; i++) {
		if (a->numeric[i])
			fprintf(out, "%s\"%s\": %s", i ? ", " : "", a->id[i],
				a->value[i]);
		else
			fprintf(out, "%s\"%s\": \"%s\"", i ? ", " : "", a->id[i],
				a->value[i]);
	}
	fprintf(out, "}, \"expect\": {\"min_level\": \"%s\"}}\n", levels[want]);
}

/* --------------------------------------------------------------- --eval */

static int eval_file(const char *path)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr);
	json_t *ans = json_object_get(root, "answers");
	if (!json_is_object(ans)) {
		fprintf(stderr, "property: '%s' has no answers object\n", path);
		json_decref(root);
		return 2;
	}
	struct answers a = { 0 };
	const char *key;
	json_t *v;
	json_object_foreach(ans, key, v) {
		char buf[24];
		if (json_is_string(v))
			snprintf(buf, sizeof(buf), "%s", json_string_value(v));
		else if (json_is_integer(v))
			snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		else
			snprintf(buf, sizeof(buf), "%g", json_number_value(v));
		put(&a, key, buf, !json_is_string(v));
	}
	const char *why;
	bool unsure;
	int lvl = table_level(&a, &why, &unsure);
	printf("%s %s%s\n", levels[lvl], why ? why : "-", unsure ? " (unsure)" : "");
	json_decref(root);
	return 0;
}

/* ----------------------------------------------------------------- main */

static void usage(void)
{
	fprintf(stderr, "usage: property_test RULES_DIR [--sets N] [--seed S] [--from I] [--show K]\n"
			"                     [--kind interview|scattered|both]\n"
			"       property_test RULES_DIR --eval CASE.json\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage();
		return 2;
	}
	unsigned long long sets = 100000, seed = 1, show = 5, from = 0;
	int kinds = 3; /* 1 interviews, 2 scattered answers, 3 both */
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--eval") == 0 && i + 1 < argc)
			return eval_file(argv[i + 1]);
		if (strcmp(argv[i], "--kind") == 0 && i + 1 < argc) {
			i++;
			kinds = strcmp(argv[i], "interview") == 0 ? 1
				: strcmp(argv[i], "scattered") == 0 ? 2
				: strcmp(argv[i], "both") == 0 ? 3 : 0;
			if (!kinds) {
				usage();
				return 2;
			}
			continue;
		}
		char *end = NULL;
		unsigned long long *opt = strcmp(argv[i], "--sets") == 0 ? &sets
					  : strcmp(argv[i], "--seed") == 0 ? &seed
					  : strcmp(argv[i], "--show") == 0 ? &show
					  : strcmp(argv[i], "--from") == 0 ? &from
					  : NULL;
		if (!opt || i + 1 >= argc) {
			usage();
			return 2;
		}
		*opt = strtoull(argv[++i], &end, 10);
		if (!end || *end) {
			usage();
			return 2;
		}
	}

	if (!table_matches_spec())
		return 2;

	char *msg = NULL;
	engine *e = engine_new(argv[1], &msg);
	if (!e) {
		fprintf(stderr, "property: %s\n", msg ? msg : "cannot load rules");
		free(msg);
		return 2;
	}
	/* The table's rows by how often the engine fell below them. */
	unsigned long long below_row[N_ROWS][2] = { { 0 } }, failed_interviews = 0;
	unsigned long long failures = 0, interviews = 0, per_level[N_LEVELS] = { 0 };
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);

	for (unsigned long long i = from; i < from + sets; i++) {
		struct rng r = { seed * 0x100000001b3ULL ^ (i * 0x9e3779b97f4a7c15ULL) };
		next(&r);
		struct answers a = { 0 };
		bool kiosk = below_n(&r, 4) == 0;
		bool is_interview = kinds == 3 ? i % 2 == 0 : kinds == 1;
		engine_answers_clear(e);
		engine_mode_set(e, kiosk ? ENGINE_MODE_KIOSK : ENGINE_MODE_CLINICIAN);
		int rv = is_interview ? interview(e, &r, &a) : scattered(e, &r, &a);
		if (rv != 0) {
			fprintf(stderr, "property: seed %llu set %llu: the engine "
				"failed: %s\n", seed, i, engine_errmsg(e));
			print_case(stderr, &a, kiosk, seed, i, NULL, SELF_CARE);
			engine_free(e);
			return 1;
		}
		interviews += is_interview;
		const char *why;
		bool unsure;
		int want = table_level(&a, &why, &unsure);
		int got = level_index(engine_level(e)->id);
		per_level[want]++;
		if (got < 0) {
			fprintf(stderr, "property: the engine's level '%s' is not "
				"a SPEC level\n", engine_level(e)->id);
			engine_free(e);
			return 1;
		}
		if (got <= want)
			continue;
		failures++;
		failed_interviews += is_interview;
		for (size_t k = 0; k < N_ROWS; k++)
			if (strcmp(table[k].id, why) == 0)
				below_row[k][unsure]++;
		if (failures <= show) {
			printf("FAIL seed %llu set %llu (%s): level %s, SPEC demands "
			       "at least %s (%s%s)\n", seed, i,
			       is_interview ? "interview" : "scattered answers",
			       levels[got], levels[want], why,
			       unsure ? ", unsure form" : "");
			print_case(stdout, &a, kiosk, seed, i, why, want);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) +
		      (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	printf("%llu answer sets (%llu interviews), seed %llu: %llu below the "
	       "SPEC level (%llu interviews, %llu scattered)\n", sets, interviews,
	       seed, failures, failed_interviews, failures - failed_interviews);
	printf("the table demanded:");
	for (int l = 0; l < N_LEVELS; l++)
		printf(" %s %llu%s", levels[l], per_level[l], l + 1 < N_LEVELS ? "," : "\n");
	for (size_t k = 0; k < N_ROWS; k++) {
		if (below_row[k][0])
			printf("  below %s: %llu\n", table[k].id, below_row[k][0]);
		if (below_row[k][1])
			printf("  below %s (unsure form): %llu\n", table[k].id,
			       below_row[k][1]);
	}
	/* stderr: the rate varies from run to run, the result does not */
	fflush(stdout);
	fprintf(stderr, "%.0f answer sets per second\n",
		secs > 0 ? (double)sets / secs : 0);
	engine_free(e);
	return failures ? 1 : 0;
}
