-- Each staff account's language for the staff pages (issue 15). NULL: follow the browser's
-- Accept-Language. The list is service.i18n.LANGUAGES; adding a language adds it here too.
ALTER TABLE staff ADD COLUMN language text CHECK (language IN ('en', 'fr'));
