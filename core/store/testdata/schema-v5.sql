-- The database salond efafb75 (schema version 5) created in a new data
-- folder: its sqlite_master and schema_versions, dumped with the sqlite3
-- shell. A fixture: never edit; the tests hold migrations 1 to 5 to it and
-- open it with today's program.
CREATE TABLE `channels` (`server_id` integer,`tag` integer,`name` text NOT NULL,`creator_id` integer NOT NULL,PRIMARY KEY (`server_id`,`tag`));
CREATE TABLE `counters` (`name` text,`next` integer NOT NULL,PRIMARY KEY (`name`));
CREATE TABLE `files` (`id` text,`server_id` integer NOT NULL,`channel_tag` integer NOT NULL,`peer_low` integer NOT NULL,`peer_high` integer NOT NULL,`name` text NOT NULL,`size` integer NOT NULL,`uploader_id` integer NOT NULL,`created_at` integer NOT NULL,PRIMARY KEY (`id`));
CREATE TABLE `friendships` (`user_a` integer,`user_b` integer,PRIMARY KEY (`user_a`,`user_b`));
CREATE TABLE `invitations` (`id` integer,`from_id` integer NOT NULL,`to_id` integer NOT NULL,`server_id` integer NOT NULL,`channel_tag` integer NOT NULL,PRIMARY KEY (`id`));
CREATE TABLE `ledger` (`id` integer PRIMARY KEY AUTOINCREMENT,`user_id` integer NOT NULL,`delta` integer NOT NULL,`balance` integer NOT NULL,`plugin` text NOT NULL,`reason` text NOT NULL,`counterparty` integer NOT NULL,`at` integer NOT NULL, `once` text NOT NULL DEFAULT "");
CREATE TABLE `members` (`server_id` integer,`channel_tag` integer,`user_id` integer,PRIMARY KEY (`server_id`,`channel_tag`,`user_id`));
CREATE TABLE `messages` (`id` integer PRIMARY KEY AUTOINCREMENT,`server_id` integer NOT NULL,`channel_tag` integer NOT NULL,`peer_low` integer NOT NULL,`peer_high` integer NOT NULL,`author_id` integer NOT NULL,`kind` integer NOT NULL,`body` text NOT NULL,`sent_at` integer NOT NULL);
CREATE TABLE `plugin_kv` (`plugin` text,`key` text,`value` blob NOT NULL,PRIMARY KEY (`plugin`,`key`));
CREATE TABLE `purges` (`id` integer PRIMARY KEY AUTOINCREMENT,`server_id` integer NOT NULL,`channel_tag` integer NOT NULL);
CREATE TABLE `schema_versions` (`version` integer,`what` text,PRIMARY KEY (`version`));
CREATE TABLE `servers` (`id` integer,`name` text NOT NULL,`owner_id` integer NOT NULL,`next_channel` integer NOT NULL,`created_at` integer NOT NULL,PRIMARY KEY (`id`));
CREATE TABLE `users` (`id` integer,`pseudo` text NOT NULL,`pseudo_key` text NOT NULL,`pass_hash` text NOT NULL,`bot` numeric NOT NULL DEFAULT false,`created_at` integer NOT NULL, `bot_owner` text NOT NULL DEFAULT "",PRIMARY KEY (`id`));
CREATE TABLE `wallets` (`user_id` integer,`balance` integer NOT NULL,PRIMARY KEY (`user_id`));
CREATE INDEX `idx_conversation` ON `messages`(`server_id`,`channel_tag`,`peer_low`,`peer_high`);
CREATE UNIQUE INDEX `idx_file_name` ON `files`(`server_id`,`channel_tag`,`peer_low`,`peer_high`,`name`);
CREATE INDEX `idx_friendships_user_b` ON `friendships`(`user_b`);
CREATE INDEX `idx_invitations_from_id` ON `invitations`(`from_id`);
CREATE INDEX `idx_invitations_server_id` ON `invitations`(`server_id`);
CREATE INDEX `idx_invitations_to_id` ON `invitations`(`to_id`);
CREATE INDEX `idx_ledger_once` ON `ledger`(`plugin`,`once`);
CREATE INDEX `idx_ledger_user_id` ON `ledger`(`user_id`);
CREATE INDEX `idx_members_user_id` ON `members`(`user_id`);
CREATE INDEX `idx_servers_owner_id` ON `servers`(`owner_id`);
CREATE UNIQUE INDEX `idx_users_pseudo_key` ON `users`(`pseudo_key`);
INSERT INTO schema_versions VALUES (1, 'initial schema');
INSERT INTO schema_versions VALUES (2, 'uploaded files');
INSERT INTO schema_versions VALUES (3, 'plugins: bot owners, key/value store, wallet and ledger');
INSERT INTO schema_versions VALUES (4, 'at-most-once wallet operations');
INSERT INTO schema_versions VALUES (5, 'pending purges of deleted conversations');
