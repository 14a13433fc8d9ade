/**
 * Kafka client settings assembled in one place, and creating Fennel's topics. Types are non-null
 * unless marked {@code @Nullable}.
 */
@NullMarked
package dev.fennel.admin;

import org.jspecify.annotations.NullMarked;
