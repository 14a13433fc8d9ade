/**
 * The Spring Boot starter: {@code fennel.*} properties, the auto-configured clients, the embedded
 * worker and its lifecycle, health contributors. Types are non-null unless marked
 * {@code @Nullable}.
 */
@NullMarked
package dev.fennel.spring;

import org.jspecify.annotations.NullMarked;
