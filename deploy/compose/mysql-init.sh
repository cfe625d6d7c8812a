#!/bin/sh
# Run once by the mysql image on an empty data directory: one database per
# role that owns tables, and the account Parley uses ($MYSQL_PASSWORD).
set -e
mysql -uroot -p"$MYSQL_ROOT_PASSWORD" <<SQL
CREATE USER IF NOT EXISTS 'parley'@'%' IDENTIFIED BY '$MYSQL_PASSWORD';
CREATE DATABASE IF NOT EXISTS parley_user CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS parley_group CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS parley_message CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
GRANT ALL ON parley_user.* TO 'parley'@'%';
GRANT ALL ON parley_group.* TO 'parley'@'%';
GRANT ALL ON parley_message.* TO 'parley'@'%';
SQL
