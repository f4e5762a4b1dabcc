/**
 * Java FAQUrl.suggestTodo(url) as 4.9.8 writes it into remarks (name server and broker). Every FAQ
 * constant of 4.9.8 points to the same page, so the text is the same for all of them.
 */
export const FAQ_SUGGEST = '\nSee http://rocketmq.apache.org/docs/faq/ for further details.';
