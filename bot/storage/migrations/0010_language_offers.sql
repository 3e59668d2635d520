-- Passerelle schema, version 10: the one-tap language switch is offered once per person
-- and language; an offer not taken is a no and is not made again (issue 10). Only the
-- language code and when: never the message that made it look like that language.
CREATE TABLE language_offers (
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    language   TEXT NOT NULL,
    offered_at TEXT NOT NULL,
    PRIMARY KEY (person_id, language)
);
