-- The template language of each notification and layout: 'django' (what every row made before
-- this was written in) or 'liquid'. A default, so adding it rewrites no row; servers of the previous
-- version keep working beside it (they never write 'liquid' and never read the column).
ALTER TABLE notifications ADD COLUMN syntax text NOT NULL DEFAULT 'django';
ALTER TABLE layouts ADD COLUMN syntax text NOT NULL DEFAULT 'django';
