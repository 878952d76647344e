CREATE TABLE "ingest_members" (
	"client_id" text PRIMARY KEY NOT NULL,
	"share_group" text NOT NULL,
	"consumers" integer NOT NULL,
	"sessions" integer NOT NULL,
	"heartbeat_at" timestamp with time zone NOT NULL,
	"stopped_at" timestamp with time zone
);
