package dev.fennel.spring;

import dev.fennel.task.FennelTask;
import dev.fennel.task.TaskHandler;
import dev.fennel.task.Tasks;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotationUtils;

/**
 * Finds the application's {@link FennelTask} methods, bean by bean as Spring makes them (as
 * Spring's own {@code @Scheduled} support does), and turns each bean's into handlers with {@link
 * Tasks#from}. A proxied bean (transactions, security…) is called through its proxy, so its advice
 * applies; a bean behind an interface-based (JDK) proxy is called on its target, since the proxy
 * has only the interface's methods. Beans made lazily, after the worker started, are not seen.
 */
final class FennelTaskBeans implements BeanPostProcessor {
  private final List<TaskHandler> handlers = new CopyOnWriteArrayList<>();

  @Override
  public Object postProcessAfterInitialization(Object bean, String beanName) {
    if (hasTasks(AopUtils.getTargetClass(bean))) {
      handlers.addAll(Tasks.from(callable(bean)));
    }
    return bean;
  }

  /**
   * Whether {@code type}, a superclass or an interface declares a {@link FennelTask} method (as
   * {@link Tasks#from} looks); classes that cannot carry one (the JDK's) are skipped unread.
   */
  static boolean hasTasks(Class<?> type) {
    return AnnotationUtils.isCandidateClass(type, FennelTask.class)
        && !MethodIntrospector.selectMethods(
                type,
                (MethodIntrospector.MetadataLookup<FennelTask>)
                    method -> method.getAnnotation(FennelTask.class))
            .isEmpty();
  }

  private static Object callable(Object bean) {
    if (AopUtils.isJdkDynamicProxy(bean)) {
      @Nullable Object target = AopProxyUtils.getSingletonTarget(bean);
      if (target != null) {
        return target;
      }
    }
    return bean;
  }

  /** The handlers of every {@link FennelTask} method found so far. */
  List<TaskHandler> handlers() {
    return List.copyOf(handlers);
  }
}
